/**
 * Canonical references (`url` or `url|version`) and the versioned map the registry keeps its definitions
 * in. A reference without a version means the latest version held.
 * @see https://hl7.org/fhir/R5/references.html#canonical
 * @module
 */

/** A canonical reference split into its url and optional version. */
export interface Canonical {
  url: string;
  version?: string;
}

/**
 * Splits `url|version` at its first bar; `url|` and `url` both mean "no version".
 * @see https://hl7.org/fhir/R5/references.html#canonical
 */
function parseCanonical(canonical: string): Canonical {
  const bar = canonical.indexOf('|');
  if (bar < 0) return { url: canonical };
  const version = canonical.slice(bar + 1);
  return version === '' ? { url: canonical.slice(0, bar) } : { url: canonical.slice(0, bar), version };
}

/** `url|version`, or `url` when there is no version. */
export const formatCanonical = (url: string, version: string | undefined): string =>
  version === undefined ? url : `${url}|${version}`;

const segments = (v: string): string[] => v.match(/\d+|\D+/g) ?? [];

/**
 * Natural ordering of version strings: runs of digits compare as numbers, other runs as text, so `1.10`
 * comes after `1.9`. FHIR does not impose semver (`CodeSystem.versionAlgorithm[x]` is optional), and this
 * order agrees with semver for plain `major.minor.patch`.
 * @see https://hl7.org/fhir/R5/resource.html#versions
 */
function compareVersions(a: string, b: string): number {
  const sa = segments(a);
  const sb = segments(b);
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    const x = sa[i]!;
    const y = sb[i]!;
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) return Number(x) - Number(y) || x.length - y.length;
    return x < y ? -1 : 1;
  }
  return sa.length - sb.length;
}

/**
 * Definitions by url then version. Setting the same url and version again replaces; looking up a url
 * without a version gives the highest version held ({@link compareVersions}), an unversioned definition
 * only when no versioned one exists; a url with a version gives exactly that version.
 * @see https://hl7.org/fhir/R5/references.html#canonical
 */
export class VersionedMap<T> {
  /** url → version ('' when unversioned) → value */
  readonly #byUrl = new Map<string, Map<string, T>>();

  /** Adds or replaces the value for `url` at `version`. */
  set(url: string, version: string | undefined, value: T): void {
    let versions = this.#byUrl.get(url);
    if (versions === undefined) this.#byUrl.set(url, (versions = new Map()));
    versions.set(version ?? '', value);
  }

  /** The value for a canonical reference (`url` or `url|version`), undefined when not held. */
  get(canonical: string): T | undefined {
    const { url, version } = parseCanonical(canonical);
    const versions = this.#byUrl.get(url);
    if (versions === undefined) return undefined;
    if (version !== undefined) return versions.get(version);
    let best: string | undefined;
    for (const v of versions.keys()) if (best === undefined || compareVersions(v, best) > 0) best = v;
    return best === undefined ? undefined : versions.get(best);
  }
}
