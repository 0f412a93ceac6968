/**
 * `fhir-offline-store/server`: the FHIR R5 HTTP server over a store and the data loader of its `--data` option
 * (Node only; not exported from the browser-safe library entry).
 * @see https://hl7.org/fhir/R5/http.html
 * @packageDocumentation
 */
export { startServer } from './http-server.js';
export type { RunningServer, ServerOptions } from './http-server.js';
export { loadData, loadDataFile, parseData } from './load-data.js';
export type { DataEntry, DataFile } from './load-data.js';
export { monotonicClock } from './clock.js';
export { directorySource, exportToDirectory, importFromDirectory } from './export-dir.js';
