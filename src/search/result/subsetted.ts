/**
 * The tag a server puts on a resource it returns incomplete (`_summary`, `_elements`).
 * @see https://hl7.org/fhir/R5/search.html#summary
 * @see https://terminology.hl7.org/CodeSystem-v3-ObservationValue.html#v3-ObservationValue-SUBSETTED
 */
const SUBSETTED_TAG = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  code: 'SUBSETTED',
} as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when `meta.tag` already carries SUBSETTED (same system and code). */
function hasSubsettedTag(resource: Readonly<Record<string, unknown>>): boolean {
  const meta = resource['meta'];
  const tags = isObject(meta) && Array.isArray(meta['tag']) ? meta['tag'] : [];
  return tags.some((t) => isObject(t) && t['system'] === SUBSETTED_TAG.system && t['code'] === SUBSETTED_TAG.code);
}

/**
 * A copy of `resource` whose `meta.tag` carries SUBSETTED exactly once (added only when missing; `meta`
 * is created when absent). The input is not changed.
 * @see https://hl7.org/fhir/R5/resource.html#Meta
 */
export function withSubsettedTag(resource: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (hasSubsettedTag(resource)) return { ...resource };
  const meta = isObject(resource['meta']) ? resource['meta'] : {};
  const tags = Array.isArray(meta['tag']) ? meta['tag'] : [];
  return { ...resource, meta: { ...meta, tag: [...tags, { ...SUBSETTED_TAG }] } };
}
