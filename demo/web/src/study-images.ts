/**
 * An ImagingStudy as the viewer needs it: its series in order, each with the Cornerstone image ids of its
 * instances (WADO-URI on the study's Endpoint, `wadouri:` for the DICOM image loader), and the lookups the
 * imaging bridge needs both ways (image id ↔ study/series/SOP instance UIDs).
 */
import type { Endpoint, ImagingStudy } from 'fhir/r5';
import type { Store } from '../../../src/index.js';

export interface SeriesImages {
  uid: string;
  number?: number;
  description: string;
  modality?: string;
  imageIds: string[];
}

export interface DicomIdentity {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  sopClassUid?: string;
}

export interface StudyImages {
  study: ImagingStudy;
  studyInstanceUid: string;
  series: SeriesImages[];
  /** Image id → DICOM identity. */
  byImageId: Map<string, DicomIdentity>;
  /** SOP Instance UID → image id. */
  bySop: Map<string, string>;
}

const studyUidOf = (study: ImagingStudy): string | undefined =>
  study.identifier?.find((i) => i.system === 'urn:dicom:uid')?.value?.replace(/^urn:oid:/, '');

/** Reads the study and its Endpoint from the store (both replicated from the server) and lists its images. */
export async function studyImages(store: Store, studyId: string): Promise<StudyImages> {
  const study = await store.read('ImagingStudy', studyId);
  const studyInstanceUid = studyUidOf(study);
  if (!studyInstanceUid) throw new Error(`ImagingStudy/${studyId} has no Study Instance UID identifier`);
  const endpoints = new Map<string, string>();
  const address = async (refs: { reference?: string }[] | undefined): Promise<string> => {
    const ref = refs?.[0]?.reference ?? study.endpoint?.[0]?.reference;
    if (!ref) throw new Error(`ImagingStudy/${studyId} names no Endpoint`);
    const known = endpoints.get(ref);
    if (known) return known;
    const endpoint = await store.read<Endpoint>('Endpoint', ref.replace(/^Endpoint\//, ''));
    if (!endpoint.connectionType?.some((c) => c.coding?.some((x) => x.code === 'dicom-wado-uri'))) throw new Error(`${ref} is not a WADO-URI endpoint`);
    endpoints.set(ref, endpoint.address);
    return endpoint.address;
  };
  const byImageId = new Map<string, DicomIdentity>();
  const bySop = new Map<string, string>();
  const series: SeriesImages[] = [];
  for (const s of [...(study.series ?? [])].sort((a, b) => (a.number ?? 0) - (b.number ?? 0))) {
    const base = await address(s.endpoint);
    const instances = [...(s.instance ?? [])].sort((a, b) => (a.number ?? 0) - (b.number ?? 0));
    const imageIds = instances.map((i) => {
      const imageId = `wadouri:${base}?requestType=WADO&studyUID=${studyInstanceUid}&seriesUID=${s.uid}&objectUID=${i.uid}&contentType=application%2Fdicom`;
      const sopClassUid = i.sopClass?.code?.replace(/^urn:oid:/, '');
      byImageId.set(imageId, { studyInstanceUid, seriesInstanceUid: s.uid, sopInstanceUid: i.uid, ...(sopClassUid ? { sopClassUid } : {}) });
      bySop.set(i.uid, imageId);
      return imageId;
    });
    series.push({ uid: s.uid, ...(s.number !== undefined ? { number: s.number } : {}), description: s.description ?? `Series ${s.number ?? ''}`, ...(s.modality?.coding?.[0]?.code ? { modality: s.modality.coding[0].code } : {}), imageIds });
  }
  return { study, studyInstanceUid, series, byImageId, bySop };
}
