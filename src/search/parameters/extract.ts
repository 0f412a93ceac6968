import type { CompiledSearchParameter, TypedValue } from './types.js';
import { parseDateRange } from '../dates/date-range.js';
import { impliedSystem } from './implied-systems.js';
import { key, normaliseText, tokenKeys, type IndexEntry } from './index-entry.js';

/** What reading values needs from the store: its base URL (absolute references on it are local) and zone. */
export interface ExtractContext {
  baseUrl: string;
  timeZone: string;
}

type Obj = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** The index entries of one parameter in one resource. */
export function entriesFor(param: CompiledSearchParameter, resource: Parameters<CompiledSearchParameter['extract']>[0], ctx: ExtractContext): IndexEntry[] {
  const values = param.extract(resource);
  if (values.length === 0) return [];
  const keys: (string | { low: number; high: number })[] = [];
  const implied = param.type === 'token' ? impliedSystem(param.resourceType, param.code) : undefined;
  for (const v of values) {
    switch (param.type) {
      case 'token':
        keys.push(...tokenValueKeys(v));
        // A `code` element's system is the one of the value set it is bound to: the implied system when this
        // store knows the binding, else a key that only the terminology modifiers read.
        if (v.type === 'code' && typeof v.value === 'string' && v.value !== '') keys.push(implied ? key.systemCode(implied, v.value) : key.implicitSystem(v.value));
        break;
      case 'reference':
        keys.push(...referenceValueKeys(v, ctx.baseUrl));
        break;
      case 'date': {
        const r = dateValueRange(v, ctx.timeZone);
        if (r) keys.push(r);
        break;
      }
      case 'string':
        keys.push(...stringValueKeys(v));
        break;
      case 'uri':
        if (typeof v.value === 'string') keys.push(key.uri(v.value));
        break;
      default:
        break; // number, quantity, composite, special: not indexed (refused at registration)
    }
  }
  if (keys.length === 0) keys.push(key.present);
  const seen = new Set<string>();
  const out: IndexEntry[] = [];
  for (const k of keys) {
    const e: IndexEntry = typeof k === 'string' ? { param: param.code, value: k } : { param: param.code, value: k.low, high: k.high };
    const id = `${typeof e.value}:${String(e.value)}:${e.high ?? ''}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(e);
  }
  return out;
}

/**
 * Token keys by datatype (https://hl7.org/fhir/R5/search.html#token): Coding, CodeableConcept (and a
 * CodeableReference's concept), Identifier (with `:of-type` keys), code/id/uri/boolean (no system), string
 * (case-insensitive), ContactPoint (value); display texts as `:text` keys.
 */
function tokenValueKeys(v: TypedValue): string[] {
  const keys: string[] = [];
  const o = obj(v.value);
  const text = (t: unknown): void => {
    const s = str(t);
    if (s) keys.push(key.text(normaliseText(s)));
  };
  const coding = (c: Obj | undefined): void => {
    if (!c) return;
    keys.push(...tokenKeys(str(c['system']), str(c['code'])));
    text(c['display']);
  };
  switch (v.type) {
    case 'Coding':
      coding(o);
      break;
    case 'CodeableReference':
      if (o) tokenValueKeys({ type: 'CodeableConcept', value: o['concept'] }).forEach((k) => keys.push(k));
      break;
    case 'CodeableConcept':
      if (o) {
        for (const c of list(o['coding'])) coding(obj(c));
        text(o['text']);
      }
      break;
    case 'Identifier':
      if (o) {
        const value = str(o['value']);
        keys.push(...tokenKeys(str(o['system']), value));
        const type = obj(o['type']);
        if (type) {
          text(type['text']);
          for (const c of list(type['coding']).map(obj)) {
            const ts = str(c?.['system']);
            const tc = str(c?.['code']);
            if (ts && tc && value) keys.push(key.ofType(ts, tc, value));
            text(c?.['display']);
          }
        }
      }
      break;
    case 'ContactPoint':
      if (o && str(o['value'])) keys.push(key.code(o['value'] as string));
      break;
    case 'string':
    case 'markdown':
      if (typeof v.value === 'string' && v.value !== '') keys.push(key.caseless(v.value));
      break;
    case 'boolean':
      if (typeof v.value === 'boolean') keys.push(key.code(String(v.value)), key.noSystem(String(v.value)));
      break;
    default:
      // code, id, uri, url, canonical, oid, uuid and other primitives: the value is the code, with no system.
      if (typeof v.value === 'string' && v.value !== '') keys.push(...tokenKeys(undefined, v.value));
      break;
  }
  return keys;
}

/**
 * Splits a literal reference into `Type/id` (and version) when it points into this store: relative, or
 * absolute on `baseUrl`. Absolute references elsewhere, `urn:` and `#contained` ones are not local.
 */
export function localReference(reference: string, baseUrl: string): { typeAndId: string; id: string; version?: string } | undefined {
  let rest = reference;
  if (/^[a-z][a-z0-9+.-]*:/i.test(rest)) {
    if (!baseUrl || !rest.startsWith(`${baseUrl}/`)) return undefined;
    rest = rest.slice(baseUrl.length + 1);
  }
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/.exec(rest);
  if (!m) return undefined;
  return { typeAndId: `${m[1]}/${m[2]}`, id: m[2]!, ...(m[3] ? { version: m[3] } : {}) };
}

/**
 * Reference keys (https://hl7.org/fhir/R5/search.html#reference): `Type/id` (and its version) for local
 * references, the bare id, the absolute URL for others, `:identifier` keys for `Reference.identifier`,
 * `:text` keys for `Reference.display`; canonicals by URL and `url|version`.
 */
function referenceValueKeys(v: TypedValue, baseUrl: string): string[] {
  const keys: string[] = [];
  if (typeof v.value === 'string') {
    // canonical / uri used as a reference target (e.g. _profile)
    keys.push(key.uri(v.value));
    const bar = v.value.indexOf('|');
    if (bar > 0) keys.push(key.uri(v.value.slice(0, bar)));
    return keys;
  }
  const o = obj(v.value);
  if (!o) return keys;
  const ref = str(o['reference']);
  if (ref) {
    const local = localReference(ref, baseUrl);
    if (local) {
      keys.push(key.ref(local.typeAndId), key.refId(local.id));
      if (local.version) keys.push(key.refVersion(local.typeAndId, local.version));
    } else if (!ref.startsWith('#')) {
      keys.push(key.uri(ref));
    }
  }
  const ident = obj(o['identifier']);
  if (ident) for (const k of tokenKeys(str(ident['system']), str(ident['value']))) keys.push(key.refIdentifier(k));
  const display = str(o['display']);
  if (display) keys.push(key.text(normaliseText(display)));
  return keys;
}

/**
 * The `[low, high]` range of a date value (https://hl7.org/fhir/R5/search.html#date): date and dateTime at
 * their precision, an instant as a point, a Period with open ends as ±Infinity.
 */
function dateValueRange(v: TypedValue, timeZone: string): { low: number; high: number } | undefined {
  if (typeof v.value === 'string') {
    const r = parseDateRange(v.value, { timeZone, instant: false });
    return r ? { low: r.low, high: v.type === 'instant' ? r.low : r.high } : undefined;
  }
  const o = obj(v.value);
  if (v.type === 'Period' && o) {
    const start = str(o['start']) ? parseDateRange(o['start'] as string, { timeZone }) : undefined;
    const end = str(o['end']) ? parseDateRange(o['end'] as string, { timeZone }) : undefined;
    if (!start && !end) return undefined;
    return { low: start?.low ?? -Infinity, high: end?.high ?? Infinity };
  }
  return undefined;
}

/**
 * String keys (https://hl7.org/fhir/R5/search.html#string): each string part normalised for starts-with,
 * and as written for `:exact`. HumanName and Address contribute their parts and their text.
 */
function stringValueKeys(v: TypedValue): string[] {
  const parts: string[] = [];
  const o = obj(v.value);
  if (typeof v.value === 'string') parts.push(v.value);
  else if (o && v.type === 'HumanName') {
    for (const k of ['text', 'family', 'given', 'prefix', 'suffix']) for (const p of list(o[k])) if (str(p)) parts.push(p as string);
  } else if (o && v.type === 'Address') {
    for (const k of ['text', 'line', 'city', 'district', 'state', 'postalCode', 'country']) for (const p of list(o[k])) if (str(p)) parts.push(p as string);
  } else if (o) {
    for (const p of Object.values(o)) if (typeof p === 'string') parts.push(p);
  }
  const keys: string[] = [];
  for (const p of parts) keys.push(key.string(normaliseText(p)), key.exact(p));
  return keys;
}
