/**
 * Splits a JSON Pointer (RFC 6901) into unescaped reference tokens; `undefined` when it is not a pointer.
 * `''` (the whole document) gives `[]`.
 * @see https://www.rfc-editor.org/rfc/rfc6901#section-3
 */
export function pointerTokens(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  // `~1` before `~0`: `~01` must decode to `~1`, not `/`.
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Renders a JSON Pointer into the resource as the FHIRPath expression an OperationOutcome `expression`
 * expects, e.g. `/instance/0/uid` → `ImagingSelection.instance[0].uid`.
 */
export function pointerToFhirPath(resourceType: string, pointer: string): string {
  let out = resourceType;
  for (const token of pointerTokens(pointer) ?? []) {
    if (/^\d+$/.test(token)) out += `[${token}]`;
    else if (token !== '-') out += `.${token}`;
  }
  return out;
}
