import { parseArgs } from 'node:util';

/** The environment variable a token can be given in, out of sight of `ps` and shell history. */
export const TOKEN_ENV = 'FHIR_OFFLINE_STORE_TOKEN';

export const USAGE = `Usage: fhir-offline-store serve [options]
       fhir-offline-store export --out DIR [--data FILE | --import DIR]
       fhir-offline-store import DIR
       fhir-offline-store --version | --help

serve runs a FHIR R5 server (https://hl7.org/fhir/R5/http.html) over an
in-memory fhir-offline-store. export writes a store (loaded from --data, or
restored from --import) as NDJSON and a manifest into DIR (docs/backup.md);
import restores DIR into a new store, checks every line and prints what it
holds (exit 1 naming file and line when it cannot).

Options:
  --port N             TCP port (0 picks a free one; default 8080)
  --host H             interface to listen on (default 127.0.0.1; any address
                       but loopback needs a token)
  --base-path P        path of the FHIR base (default /fhir)
  --data FILE          load an NDJSON file or a JSON Bundle/resource at start
  --import DIR         restore an export (every version, the outbox) at start
  --max-body-bytes N   largest request body accepted (default 10485760)
  --log                print one line per request on stderr
  -h, --help           show this help
  -v, --version        print the version of fhir-offline-store

Security (docs/server.md#security):
  --cors-origin O      let pages of origin O call the server (repeatable);
                       loopback origins always can; scheme://host:* for any
                       port; * for every origin
  --allowed-host H     also serve requests whose Host is H (repeatable);
                       loopback names and --host always are
  --token T            require Authorization: Bearer T on every request
                       (better: set ${TOKEN_ENV}, which ps cannot show)
  --tls-cert FILE      serve HTTPS with this PEM certificate (chain)
  --tls-key FILE       and this PEM private key`;

/** The server's options as the command line gives them. */
interface ServeArgs {
  port: number;
  host: string;
  basePath: string;
  data?: string;
  /** An export directory restored at start. */
  importDir?: string;
  maxBodyBytes?: number;
  log: boolean;
  corsOrigins: string[];
  allowedHosts: string[];
  /** From `--token`, else the environment variable `TOKEN_ENV`. */
  token?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/** What the command line asks for; `usage` is a mistake (exit 2), `help` a request for the usage (exit 0). */
type Command =
  | { kind: 'serve'; args: ServeArgs }
  | { kind: 'export'; out: string; data?: string; importDir?: string }
  | { kind: 'import'; dir: string }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usage'; error: string };

const DEFAULT_PORT = 8080;

/**
 * Parses `export --out DIR [--data FILE | --import DIR]`, `import DIR`, and
 * `serve [--port N] [--host H] [--data FILE | --import DIR] [--base-path P] [--max-body-bytes N] [--log]
 * [--cors-origin O]... [--allowed-host H]... [--token T] [--tls-cert FILE --tls-key FILE]`, with the token
 * also taken from `env[TOKEN_ENV]` (`--token` wins).
 */
export function parseCommand(argv: string[], env: Record<string, string | undefined> = {}): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'base-path': { type: 'string' },
        data: { type: 'string' },
        import: { type: 'string' },
        out: { type: 'string' },
        'max-body-bytes': { type: 'string' },
        log: { type: 'boolean' },
        'cors-origin': { type: 'string', multiple: true },
        'allowed-host': { type: 'string', multiple: true },
        token: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (e) {
    return { kind: 'usage', error: (e as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') return { kind: 'help' };
  if (values.version || positionals[0] === 'version') return { kind: 'version' };
  if (positionals.length === 0) return { kind: 'usage', error: 'No command given' };
  if (values.data !== undefined && values.import !== undefined) return { kind: 'usage', error: '--data and --import do not go together' };
  if (positionals[0] === 'export') {
    if (positionals.length > 1) return { kind: 'usage', error: `Unexpected argument '${positionals[1]}'` };
    if (values.out === undefined || values.out === '') return { kind: 'usage', error: 'export needs --out DIR' };
    return { kind: 'export', out: values.out, ...(values.data !== undefined ? { data: values.data } : {}), ...(values.import !== undefined ? { importDir: values.import } : {}) };
  }
  if (positionals[0] === 'import') {
    if (positionals.length !== 2 || positionals[1] === '') return { kind: 'usage', error: 'import needs one directory: fhir-offline-store import DIR' };
    return { kind: 'import', dir: positionals[1]! };
  }
  if (values.out !== undefined) return { kind: 'usage', error: '--out belongs to export' };
  if (positionals[0] !== 'serve') return { kind: 'usage', error: `Unknown command '${positionals[0]}'` };
  if (positionals.length > 1) return { kind: 'usage', error: `Unexpected argument '${positionals[1]}'` };
  const port = values.port === undefined ? DEFAULT_PORT : integer(values.port);
  if (port === undefined || port > 65535) return { kind: 'usage', error: `--port must be 0-65535, got '${values.port}'` };
  const maxBodyBytes = values['max-body-bytes'] === undefined ? undefined : integer(values['max-body-bytes']);
  if (maxBodyBytes === 0 || (maxBodyBytes === undefined && values['max-body-bytes'] !== undefined)) {
    return { kind: 'usage', error: `--max-body-bytes must be a positive integer, got '${values['max-body-bytes']}'` };
  }
  // An empty token is a mistake, not "no token": whoever set it believes the server is protected.
  const token = values.token ?? env[TOKEN_ENV];
  if (token === '') return { kind: 'usage', error: `${values.token === '' ? '--token' : TOKEN_ENV} is empty` };
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    return { kind: 'usage', error: '--tls-cert and --tls-key go together' };
  }
  const args: ServeArgs = {
    port,
    host: values.host ?? '127.0.0.1',
    basePath: values['base-path'] ?? '/fhir',
    log: values.log ?? false,
    corsOrigins: values['cors-origin'] ?? [],
    allowedHosts: values['allowed-host'] ?? [],
  };
  if (values.data !== undefined) args.data = values.data;
  if (values.import !== undefined) args.importDir = values.import;
  if (maxBodyBytes !== undefined) args.maxBodyBytes = maxBodyBytes;
  if (token !== undefined) args.token = token;
  if (values['tls-cert'] !== undefined) args.tlsCert = values['tls-cert'];
  if (values['tls-key'] !== undefined) args.tlsKey = values['tls-key'];
  return { kind: 'serve', args };
}

function integer(s: string): number | undefined {
  return /^\d+$/.test(s) ? Number(s) : undefined;
}
