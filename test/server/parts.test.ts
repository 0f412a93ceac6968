import { describe, expect, it } from 'vitest';
import { parseCommand, TOKEN_ENV } from '../../src/server/cli-args.js';
import { monotonicClock } from '../../src/server/clock.js';
import { parseData } from '../../src/server/load-data.js';
import { absoluteOnBase, isHistoryTarget, normaliseBasePath, relativeTarget } from '../../src/server/target.js';

describe('monotonicClock', () => {
  it('follows the source while it moves forward and never goes back when it does not', () => {
    const times = [1000, 2000, 1500, 1500, 500, 3000];
    const clock = monotonicClock(() => new Date(times.shift()!));
    expect(Array.from({ length: 6 }, () => clock().getTime())).toEqual([1000, 2000, 2001, 2002, 2003, 3000]);
  });
});

describe('request targets', () => {
  it('maps targets under the base path to store URLs and refuses others', () => {
    expect(normaliseBasePath('fhir/')).toBe('/fhir');
    expect(normaliseBasePath('/')).toBe('');
    expect(relativeTarget('/fhir/Patient/1?_elements=id', '/fhir')).toBe('Patient/1?_elements=id');
    expect(relativeTarget('/fhir', '/fhir')).toBe('');
    expect(relativeTarget('/fhir?_type=Patient', '/fhir')).toBe('?_type=Patient');
    expect(relativeTarget('/fhir/', '/fhir')).toBe('');
    expect(relativeTarget('/fhirx/Patient', '/fhir')).toBeUndefined();
    expect(relativeTarget('/other', '/fhir')).toBeUndefined();
    expect(relativeTarget('http://h:1/fhir/Patient', '/fhir')).toBe('Patient');
    expect(relativeTarget('/Patient', '')).toBe('Patient');
  });

  it('tells history from vread', () => {
    expect(isHistoryTarget('_history?_since=2025')).toBe(true);
    expect(isHistoryTarget('Patient/_history')).toBe(true);
    expect(isHistoryTarget('Patient/1/_history')).toBe(true);
    expect(isHistoryTarget('Patient/1/_history/2')).toBe(false);
    expect(isHistoryTarget('Patient?_history=x')).toBe(false);
  });

  it('makes store-relative URLs absolute on the base', () => {
    const base = 'http://127.0.0.1:9/fhir';
    expect(absoluteOnBase('Patient/1/_history/2', base)).toBe(`${base}/Patient/1/_history/2`);
    expect(absoluteOnBase('?_type=Patient', base)).toBe(`${base}?_type=Patient`);
    expect(absoluteOnBase('https://elsewhere/x', base)).toBe('https://elsewhere/x');
    expect(absoluteOnBase('/fhir/Patient', base)).toBe('http://127.0.0.1:9/fhir/Patient');
  });
});

describe('parseData', () => {
  it('reads NDJSON, skipping blank lines, and names the line of an error', () => {
    const data = parseData('{"resourceType":"Patient","id":"a"}\r\n\n{"resourceType":"Patient"}\n', 'f.ndjson');
    expect(data.kind === 'resources' && data.entries.map((e) => e.resource.id)).toEqual(['a', undefined]);
    expect(() => parseData('{"resourceType":"Patient"}\n{"a":1}\n', 'f.ndjson')).toThrow('f.ndjson:2: not a FHIR resource');
  });

  it('reads one resource, a Bundle of any type, and keeps batch and transaction Bundles whole', () => {
    expect(parseData('{"resourceType":"Patient","id":"a"}')).toEqual({ kind: 'resources', entries: [{ resource: { resourceType: 'Patient', id: 'a' } }] });
    const collection = parseData(
      JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [{ fullUrl: 'urn:uuid:1', resource: { resourceType: 'Patient' } }, { search: {} }] }),
    );
    expect(collection).toEqual({ kind: 'resources', entries: [{ fullUrl: 'urn:uuid:1', resource: { resourceType: 'Patient' } }] });
    expect(parseData('{"resourceType":"Bundle","type":"batch"}').kind).toBe('bundle');
    expect(parseData('  \n').kind).toBe('resources');
    expect(() => parseData('{\n  "resourceType": "Patient",\n')).toThrow(/not JSON or NDJSON/);
  });
});

describe('command line', () => {
  it('parses serve and its options', () => {
    const none = { corsOrigins: [], allowedHosts: [] };
    expect(parseCommand(['serve'])).toEqual({ kind: 'serve', args: { port: 8080, host: '127.0.0.1', basePath: '/fhir', log: false, ...none } });
    expect(parseCommand(['serve', '--port', '0', '--data', 'x.ndjson', '--base-path', '/r5', '--log'])).toEqual({
      kind: 'serve',
      args: { port: 0, host: '127.0.0.1', basePath: '/r5', data: 'x.ndjson', log: true, ...none },
    });
  });

  it('parses the security options, the token from --token or the environment', () => {
    const argv = ['serve', '--cors-origin', 'https://a.example', '--cors-origin', 'http://b.example:*', '--allowed-host', 'gw.lan'];
    expect(parseCommand([...argv, '--tls-cert', 'c.pem', '--tls-key', 'k.pem'])).toMatchObject({
      kind: 'serve',
      args: { corsOrigins: ['https://a.example', 'http://b.example:*'], allowedHosts: ['gw.lan'], tlsCert: 'c.pem', tlsKey: 'k.pem' },
    });
    expect(parseCommand(['serve'], { [TOKEN_ENV]: 'from-env' })).toMatchObject({ args: { token: 'from-env' } });
    expect(parseCommand(['serve', '--token', 'from-flag'], { [TOKEN_ENV]: 'from-env' })).toMatchObject({ args: { token: 'from-flag' } });
    expect(parseCommand(['serve'], {})).not.toHaveProperty('args.token');
    // An empty token is a mistake (whoever set it believes the server is protected), and so is half a TLS pair.
    expect(parseCommand(['serve'], { [TOKEN_ENV]: '' })).toEqual({ kind: 'usage', error: `${TOKEN_ENV} is empty` });
    expect(parseCommand(['serve', '--token', ''])).toEqual({ kind: 'usage', error: '--token is empty' });
    expect(parseCommand(['serve', '--tls-cert', 'c.pem'])).toEqual({ kind: 'usage', error: '--tls-cert and --tls-key go together' });
  });

  it('answers help, and usage for mistakes', () => {
    expect(parseCommand(['--help']).kind).toBe('help');
    expect(parseCommand(['serve', '-h']).kind).toBe('help');
    for (const argv of [[], ['bogus'], ['serve', '--port', 'x'], ['serve', '--port', '70000'], ['serve', '--nope'], ['serve', 'extra']]) {
      expect(parseCommand(argv).kind, argv.join(' ')).toBe('usage');
    }
  });
});
