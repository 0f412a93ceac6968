/**
 * The `fhir-offline-store` command (the package's `bin`, built to `dist/cli.js`):
 * `fhir-offline-store serve --port N [--data FILE]` runs a FHIR R5 server over an in-memory store.
 * @see https://hl7.org/fhir/R5/http.html
 */
import { parseCommand, USAGE } from './cli-args.js';
import { startServer, type RunningServer } from './http-server.js';

declare const __PACKAGE_VERSION__: string | undefined;
/** package.json's version, put in by the build (tsup `define`); `0.0.0-dev` when run from source. */
const PACKAGE_VERSION = typeof __PACKAGE_VERSION__ === 'string' ? __PACKAGE_VERSION__ : '0.0.0-dev';

async function main(argv: string[]): Promise<void> {
  const command = parseCommand(argv);
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
    server = await startServer({
      port: args.port,
      host: args.host,
      basePath: args.basePath,
      ...(args.data !== undefined ? { data: args.data } : {}),
      ...(args.maxBodyBytes !== undefined ? { maxBodyBytes: args.maxBodyBytes } : {}),
      ...(args.log ? { log: (line: string) => console.error(line) } : {}),
    });
  } catch (e) {
    console.error(`fhir-offline-store: ${(e as Error).message}`);
    process.exitCode = 1;
    return;
  }
  if (args.data !== undefined) console.log(`Loaded ${server.loaded} resources from ${args.data}`);
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
