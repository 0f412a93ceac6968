/**
 * The `fhir-offline-store` command (the package's `bin`, built to `dist/cli.js`):
 * `fhir-offline-store serve --port N [--data FILE | --import DIR]` runs a FHIR R5 server over an in-memory store;
 * `export --out DIR` and `import DIR` write and restore a store's export (docs/backup.md).
 * @see https://hl7.org/fhir/R5/http.html
 */
import { readFile } from 'node:fs/promises';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { FhirError } from '../errors/fhir-error.js';
import { openStore, type Store } from '../store.js';
import { parseCommand, USAGE } from './cli-args.js';
import { exportToDirectory, importFromDirectory } from './export-dir.js';
import { startServer, type RunningServer } from './http-server.js';
import { loadDataFile } from './load-data.js';

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
  if (command.kind === 'export' || command.kind === 'import') {
    await runStoreCommand(command);
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
      ...(args.importDir !== undefined ? { importDir: args.importDir } : {}),
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
  if (args.importDir !== undefined) console.log(`Restored ${server.loaded} resources from ${args.importDir}`);
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

/** A store of this process only, in memory, as `serve` opens one (the CLI has no IndexedDB on disk). */
function memoryStore(): Promise<Store> {
  return openStore({ name: 'fhir-offline-store-cli', indexedDB: new IDBFactory(), IDBKeyRange: IDBKeyRange as typeof globalThis.IDBKeyRange, persistence: 'optional', outbox: false });
}

/**
 * `export --out DIR [--data FILE | --import DIR]`: the store `serve` would serve with those options, written to DIR.
 * `import DIR`: DIR restored into a new store, every line checked, what it holds printed. Exit 1 on failure, with
 * the OperationOutcome's diagnostics (file and line).
 */
async function runStoreCommand(command: { kind: 'export'; out: string; data?: string; importDir?: string } | { kind: 'import'; dir: string }): Promise<void> {
  const store = await memoryStore();
  try {
    if (command.kind === 'import') {
      const s = await importFromDirectory(store, command.dir);
      console.log(
        `Restored ${command.dir}: ${s.resources} resources, ${s.versions} versions, ${s.pending} pending changes, ` +
          `${s.conflicts} conflicts, ${s.deadLetters} dead letters, ${s.checkpoints} checkpoints`,
      );
      return;
    }
    if (command.data !== undefined) await loadDataFile(store, command.data);
    if (command.importDir !== undefined) await importFromDirectory(store, command.importDir);
    const manifest = await exportToDirectory(store, command.out);
    const own = manifest.extension['fhir-offline-store'];
    console.log(`Exported ${own.versions} versions of ${manifest.output.length} resource types to ${command.out}`);
  } catch (e) {
    const status = e instanceof FhirError ? ` (HTTP ${e.status})` : '';
    console.error(`fhir-offline-store: ${(e as Error).message}${status}`);
    process.exitCode = 1;
  } finally {
    store.close();
  }
}

void main(process.argv.slice(2));
