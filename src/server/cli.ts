/**
 * The `fhir-offline-store` command (the package's `bin`, built to `dist/cli.js`):
 * `fhir-offline-store serve --port N [--data FILE]` runs a FHIR R5 server over an in-memory store.
 * @see https://hl7.org/fhir/R5/http.html
 */
import { readFile } from 'node:fs/promises';
import { parseCommand, USAGE } from './cli-args.js';
import { startServer, type RunningServer } from './http-server.js';

declare const __PACKAGE_VERSION__: string | undefined;
/** package.json's version, put in by the build (tsup `define`); `0.0.0-dev` when run from source. */
const PACKAGE_VERSION = typeof __PACKAGE_VERSION__ === 'string' ? __PACKAGE_VERSION__ : '0.0.0-dev';

async function main(argv: string[]): Promise<void> {
  const command = parseCommand(argv, process.env);
  if (command.kind === 'help') {
    console.log(USAGE);
    return;
  }
  if (command.kind === 'version') {
    console.log(PACKAGE_VERSION);
    return;
  }
  if (command.kind === 'usage') {
    console.error(`fhir-offline-store: ${command.error}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const { args } = command;
  let server: RunningServer;
  try {
    const tls = args.tlsCert !== undefined && args.tlsKey !== undefined ? { cert: await readFile(args.tlsCert), key: await readFile(args.tlsKey) } : undefined;
    server = await startServer({
      port: args.port,
      host: args.host,
      basePath: args.basePath,
      corsOrigins: args.corsOrigins,
      allowedHosts: args.allowedHosts,
      ...(args.token !== undefined ? { token: args.token } : {}),
      ...(tls !== undefined ? { tls } : {}),
      ...(args.data !== undefined ? { data: args.data } : {}),
      ...(args.maxBodyBytes !== undefined ? { maxBodyBytes: args.maxBodyBytes } : {}),
      ...(args.log ? { log: (line: string) => console.error(line) } : {}),
      warn: (message: string) => console.error(`fhir-offline-store: warning: ${message}`),
    });
  } catch (e) {
    console.error(`fhir-offline-store: ${(e as Error).message}`);
    process.exitCode = 1;
    return;
  }
  if (args.data !== undefined) console.log(`Loaded ${server.loaded} resources from ${args.data}`);
  // Says that a token is needed, never what it is.
  if (args.token !== undefined) console.log('Every request needs Authorization: Bearer <token>');
  // Printed last: a process waiting for this line may send requests at once.
  console.log(`FHIR R5 server listening at ${server.url}`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1); // a second signal: do not wait any longer
    stopping = true;
    console.error(`${signal}: closing`);
    server.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(`fhir-offline-store: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main(process.argv.slice(2));
