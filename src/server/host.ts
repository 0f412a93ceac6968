import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

/** The names of loopback the server always answers to, in canonical form (see `canonicalHost`). */
const LOOPBACK_NAMES: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * A `Host` (or absolute-form target authority) in one form per name, or undefined when it is not a valid
 * `host[:port]` (RFC 9110 §7.2): lower case, no trailing dot, no port, IPv4 in dotted-decimal (`127.1`,
 * `0x7f.0.0.1` and `2130706433` are all `127.0.0.1`, as the WHATWG URL parser reads them), IPv6 compressed
 * in brackets (`[0:0:0:0:0:0:0:1]` is `[::1]`), internationalised names in punycode.
 * @see https://url.spec.whatwg.org/#host-parsing
 */
export function canonicalHost(value: string): string | undefined {
  // Only a host and a port: no user info, path, query or whitespace that the URL parser would take apart.
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^\s/\\?#@[\]:]+)(?::\d{0,5})?$/.exec(value);
  if (!m) return undefined;
  let host: string;
  try {
    host = new URL(`http://${m[1]!}/`).hostname;
  } catch {
    return undefined;
  }
  // `localhost.` is the same name as `localhost` (a fully qualified form); keep one spelling of each name.
  return host.endsWith('.') && !host.endsWith('..') ? host.slice(0, -1) : host;
}

/** Whether an address or name to listen on is loopback only (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const canonical = canonicalHost(isIP(host) === 6 ? `[${host}]` : host);
  if (canonical === undefined) return false;
  return canonical === 'localhost' || canonical === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(canonical);
}

/** Whether an address to listen on is a wildcard (every interface). */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/**
 * The names a request may carry in `Host`: defence against DNS rebinding, where a page of an attacker's
 * domain, once that domain resolves to 127.0.0.1, reads the server as its own origin (no CORS involved).
 * Such a request carries the attacker's name in `Host`; only names that are the server's own are served:
 * loopback, the address or name it listens on, the names given in `allowedHosts`, and for a wildcard address
 * (`0.0.0.0`, `::`) the machine's interface addresses and host name.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-7.2
 */
export class HostPolicy {
  private readonly names = new Set<string>();

  /** @throws TypeError naming an entry of `allowedHosts` that is not a host name or address. */
  constructor(
    listenHost: string,
    allowedHosts: readonly string[] = [],
    private readonly wildcard = isWildcardHost(listenHost),
  ) {
    for (const name of LOOPBACK_NAMES) this.names.add(name);
    if (!this.wildcard) this.names.add(canonicalHost(isIP(listenHost) === 6 ? `[${listenHost}]` : listenHost) ?? listenHost);
    for (const entry of allowedHosts) {
      const name = canonicalHost(isIP(entry) === 6 ? `[${entry}]` : entry);
      if (name === undefined) throw new TypeError(`Not a host name or address: '${entry}'`);
      this.names.add(name);
    }
  }

  /**
   * Whether a request's `Host` value is one of the server's names (any port). A missing `Host` (HTTP/1.0;
   * Node refuses HTTP/1.1 without one) is served: every browser sends `Host`, so a request without one
   * comes from no web page and cannot be a rebinding attack.
   */
  allows(hostHeader: string | undefined): boolean {
    if (hostHeader === undefined) return true;
    const name = canonicalHost(hostHeader);
    if (name === undefined) return false;
    if (this.names.has(name)) return true;
    // Interfaces come and go (DHCP, VPN): read them when asked rather than once at start.
    return this.wildcard && machineNames().has(name);
  }
}

/** This machine's interface addresses and host name, canonical. */
function machineNames(): Set<string> {
  const names = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      // Link-local IPv6 (`fe80::1%eth0`) carries a zone, which a Host header cannot.
      const name = canonicalHost(a.family === 'IPv6' ? `[${a.address.split('%')[0]!}]` : a.address);
      if (name !== undefined) names.add(name);
    }
  }
  const own = canonicalHost(hostname());
  if (own !== undefined) names.add(own);
  return names;
}
