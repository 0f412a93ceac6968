/** `'/fhir/'` → `'/fhir'`, `'fhir'` → `'/fhir'`, `'/'` → `''` (the server's root is the FHIR base). */
export function normaliseBasePath(basePath: string): string {
  const trimmed = basePath.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `/${trimmed}`;
}

/**
 * The part of an HTTP request-target after the FHIR base, as `store.handle` takes it (`Patient/1?_elements=id`),
 * or undefined when the target is not under the base. Kept raw (still percent-encoded): the store decodes it.
 */
export function relativeTarget(rawUrl: string, basePath: string): string | undefined {
  // An absolute-form target (`GET http://host/fhir/...`, RFC 9112 §3.2.2): keep its path and query.
  const target = /^[a-z][a-z0-9+.-]*:\/\//i.test(rawUrl) ? rawUrl.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '') || '/' : rawUrl;
  if (!target.startsWith(basePath)) return undefined;
  const rest = target.slice(basePath.length);
  if (rest !== '' && !rest.startsWith('/') && !rest.startsWith('?')) return undefined; // `/fhirx`
  return rest.replace(/^\/+/, '');
}

/**
 * The authority (`host[:port]`) of an absolute-form request target (`GET http://host:port/fhir/...`,
 * RFC 9112 §3.2.2), which a server must use instead of `Host`; undefined for the usual origin-form (`/fhir/...`).
 */
export function targetAuthority(rawUrl: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(rawUrl)?.[1];
}

/** Whether a relative target is a history interaction (`_history`, `Type/_history`, `Type/id/_history`), not a vread. */
export function isHistoryTarget(relative: string): boolean {
  const path = relative.split('?')[0]!.split('/').filter((s) => s !== '');
  return path[path.length - 1] === '_history';
}

/**
 * Makes a relative `Location`/`Content-Location` absolute on the base URL. The store answers `Type/id/_history/n`
 * relative to the FHIR base, but over HTTP a relative reference resolves against the request URL
 * (`POST /fhir/Patient` would make it `/fhir/Patient/Patient/...`); R5 says `[base]/[type]/[id]/_history/[vid]`
 * (https://hl7.org/fhir/R5/http.html#create).
 */
export function absoluteOnBase(value: string, baseUrl: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) return value;
  if (value.startsWith('/')) return new URL(value, baseUrl).href; // already a path from the root
  return value.startsWith('?') ? `${baseUrl}${value}` : `${baseUrl}/${value}`;
}

/**
 * A Bundle with its `link` URLs (self, next, ...) made absolute on the base URL. The store writes them
 * relative to the base (`Patient/_history?_page=...`); an HTTP client resolves a relative URL against the
 * request URL instead, which for `GET [base]/Patient/_history` would double the type. Paging links are opaque
 * GET URLs to the client (https://hl7.org/fhir/R5/http.html#paging), so absolute ones are always safe.
 */
export function linksOnBase(body: unknown, baseUrl: string): unknown {
  const bundle = body as { resourceType?: unknown; link?: unknown };
  if (typeof bundle !== 'object' || bundle === null || bundle.resourceType !== 'Bundle' || !Array.isArray(bundle.link)) return body;
  const link = (bundle.link as { url?: unknown }[]).map((l) => (typeof l?.url === 'string' ? { ...l, url: absoluteOnBase(l.url, baseUrl) } : l));
  return { ...bundle, link };
}
