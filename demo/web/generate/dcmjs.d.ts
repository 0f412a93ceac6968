// dcmjs ships no types: the little of it the generator uses.
declare module 'dcmjs' {
  const dcmjs: {
    data: {
      /** A naturalized dataset (keywords as keys, `_meta` the file meta group, `_vrMap` VRs to force) to Part 10 bytes. */
      datasetToBuffer(dataset: Record<string, unknown>): Uint8Array;
      DicomMessage: { readFile(buffer: ArrayBuffer): { dict: Record<string, unknown>; meta: Record<string, unknown> } };
      DicomMetaDictionary: { naturalizeDataset(dict: Record<string, unknown>): Record<string, unknown> };
    };
  };
  export default dcmjs;
}
