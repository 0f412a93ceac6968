import { parseArgs } from 'node:util';

export const USAGE = `Usage: fhir-offline-store serve [options]
       fhir-offline-store --version | --help

Runs a FHIR R5 server (https://hl7.org/fhir/R5/http.html) over an in-memory fhir-offline-store.

Options:
  --port N             TCP port (0 picks a free one; default 8080)
  --host H             interface to listen on (default 127.0.0.1)
  --base-path P        path of the FHIR base (default /fhir)
  --data FILE          load an NDJSON file or a JSON Bundle/resource at start
  --max-body-bytes N   largest request body accepted (default 10485760)
  --log                print one line per request on stderr
  -h, --help           show this help
  -v, --version        print the version of fhir-offline-store`;

/** The server's options as the command line gives them. */
interface ServeArgs {
  port: number;
  host: string;
  basePath: string;
  data?: string;
  maxBodyBytes?: number;
  log: boolean;
}

/** What the command line asks for; `usage` is a mistake (exit 2), `help` a request for the usage (exit 0). */
type Command = { kind: 'serve'; args: ServeArgs } | { kind: 'help' } | { kind: 'version' } | { kind: 'usage'; error: string };

const DEFAULT_PORT = 8080;

/** Parses `serve [--port N] [--host H] [--data FILE] [--base-path P] [--max-body-bytes N] [--log]`. */
export function parseCommand(argv: string[]): Command {
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
        'max-body-bytes': { type: 'string' },
        log: { type: 'boolean' },
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
  if (positionals[0] !== 'serve') return { kind: 'usage', error: `Unknown command '${positionals[0]}'` };
  if (positionals.length > 1) return { kind: 'usage', error: `Unexpected argument '${positionals[1]}'` };
  const port = values.port === undefined ? DEFAULT_PORT : integer(values.port);
  if (port === undefined || port > 65535) return { kind: 'usage', error: `--port must be 0-65535, got '${values.port}'` };
  const maxBodyBytes = values['max-body-bytes'] === undefined ? undefined : integer(values['max-body-bytes']);
  if (maxBodyBytes === 0 || (maxBodyBytes === undefined && values['max-body-bytes'] !== undefined)) {
    return { kind: 'usage', error: `--max-body-bytes must be a positive integer, got '${values['max-body-bytes']}'` };
  }
  const args: ServeArgs = {
    port,
    host: values.host ?? '127.0.0.1',
    basePath: values['base-path'] ?? '/fhir',
    log: values.log ?? false,
  };
  if (values.data !== undefined) args.data = values.data;
  if (maxBodyBytes !== undefined) args.maxBodyBytes = maxBodyBytes;
  return { kind: 'serve', args };
}

function integer(s: string): number | undefined {
  return /^\d+$/.test(s) ? Number(s) : undefined;
}
