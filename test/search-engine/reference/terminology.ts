import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * The R5 ValueSets and CodeSystems of ImagingSelection, read from data/hl7-fhir-r5/definitions/ (not from
 * src/search/terminology), for the reference's `:in`, `:not-in`, `:below` and `:above`.
 */

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../data/hl7-fhir-r5/definitions');

interface Concept {
  code: string;
  concept?: Concept[];
}
interface Json {
  resourceType: string;
  url: string;
  version?: string;
  concept?: Concept[];
  compose?: { include: { system?: string; concept?: { code: string }[]; valueSet?: string[]; filter?: unknown[] }[]; exclude?: unknown[] };
}

const files = readdirSync(DIR).map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Json);
const CODE_SYSTEMS = new Map<string, Set<string>>();
for (const cs of files.filter((f) => f.resourceType === 'CodeSystem')) {
  const all = (cs: Concept[] = []): string[] => cs.flatMap((c) => [c.code, ...all(c.concept)]);
  if ((cs.concept ?? []).some((c) => c.concept !== undefined)) throw new Error(`${cs.url} is not flat: the reference's :below/:above assume flat`);
  CODE_SYSTEMS.set(cs.url, new Set(all(cs.concept)));
}

/** The codes of a CodeSystem in data/, or undefined. */
export const codeSystemCodes = (url: string): Set<string> | undefined => CODE_SYSTEMS.get(url);

/**
 * Membership in a ValueSet in data/ (`url` or `url|version`), by system and code (R5 ValueSet.compose:
 * a whole system, or listed concepts), or undefined when the ValueSet is not there or uses filters.
 */
export function valueSetMembers(canonical: string): ((system: string, code: string) => boolean) | undefined {
  const [url, version] = canonical.split('|');
  const vs = files.find((f) => f.resourceType === 'ValueSet' && f.url === url && (version === undefined || f.version === version));
  if (vs?.compose === undefined || vs.compose.exclude !== undefined) return undefined;
  const includes = vs.compose.include;
  if (includes.some((i) => i.system === undefined || i.valueSet !== undefined || i.filter !== undefined)) return undefined;
  return (system, code) =>
    includes.some((i) => i.system === system && (i.concept ? i.concept.some((c) => c.code === code) : (CODE_SYSTEMS.get(system)?.has(code) ?? false)));
}
