/**
 * The check of the `retention` replication option, apart from the retention code: `replicate` checks its options
 * synchronously, so this part is in an app's first bundle, and the rest of `sync/retention.ts` loads with the sync
 * code.
 */

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{0,63}$/;

/**
 * An ISO 8601 duration (`PnYnMnWnDTnHnMnS`, whole numbers but the seconds), its parts captured in that order.
 * @see https://www.iso.org/standard/70907.html (ISO 8601-1, durations)
 */
export const DURATION = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?!$)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * What is wrong with a `retention` option (checked by `replicate`): rules by resource type, each an ISO 8601 duration and a field.
 * @see https://hl7.org/fhir/R5/search.html#date
 */
export const retentionProblem = (value: unknown): string | undefined => {
  if (!isObject(value)) return 'must be an object of rules by resource type';
  for (const [type, r] of Object.entries(value)) {
    if (!RESOURCE_TYPE.test(type)) return `${JSON.stringify(type)} is not a FHIR resource type name`;
    if (!isObject(r)) return `${type} must be { olderThan, field? }`;
    if (typeof r['olderThan'] !== 'string' || !DURATION.test(r['olderThan'])) return `${type}.olderThan must be an ISO 8601 duration such as P90D; got ${show(r['olderThan'])}`;
    const field = r['field'];
    if (field !== undefined && (typeof field !== 'string' || !/^[A-Za-z][A-Za-z0-9\-_]*$/.test(field))) return `${type}.field must be lastUpdated or a date search parameter code; got ${show(field)}`;
  }
  return undefined;
};
