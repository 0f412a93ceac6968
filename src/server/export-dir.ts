import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ExportManifest, ExportSource, ImportSummary } from '../storage/export-format.js';
import type { Store } from '../store.js';

/**
 * Writes `store.export()` into a directory, one file per name (`ImagingSelection.ndjson`, `_outbox.ndjson`, …) and
 * `manifest.json` last, so a directory without a manifest is an export that did not finish. The directory is
 * created; one that holds files already is refused (an export never mixes with other files). Streams: memory
 * stays at a page of rows.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export async function exportToDirectory(store: Store, dir: string): Promise<ExportManifest> {
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0) throw new Error(`${dir} is not empty: export into a new or empty directory`);
  let name: string | undefined;
  let handle: FileHandle | undefined;
  let manifest = '';
  try {
    for await (const chunk of store.export()) {
      if (chunk.file === 'manifest.json') {
        manifest += chunk.text;
        continue;
      }
      if (chunk.file !== name) {
        await handle?.close();
        name = chunk.file;
        handle = await open(join(dir, safeName(chunk.file)), 'wx');
      }
      await handle!.write(chunk.text);
    }
  } finally {
    await handle?.close();
  }
  const out = await open(join(dir, 'manifest.json'), 'wx');
  try {
    await out.write(manifest);
  } finally {
    await out.close();
  }
  return JSON.parse(manifest) as ExportManifest;
}

/**
 * An import source over a directory written by {@link exportToDirectory}: each file is streamed from disk.
 * @see https://hl7.org/fhir/R5/nd-json.html
 */
export function directorySource(dir: string): ExportSource {
  return {
    read: (file: string) => createReadStream(join(dir, safeName(file)), { encoding: 'utf8', highWaterMark: 256 * 1024 }) as AsyncIterable<string>,
  };
}

/**
 * Restores a directory written by {@link exportToDirectory} into `store`, which must be empty (see `store.import`).
 * @see https://hl7.org/fhir/R5/nd-json.html
 */
export function importFromDirectory(store: Store, dir: string): Promise<ImportSummary> {
  return store.import(directorySource(dir));
}

/** A file name of an export: a plain name, never a path (a manifest must not point outside its directory). */
function safeName(file: string): string {
  if (basename(file) !== file || file.startsWith('.')) throw new Error(`'${file}' is not a file name of an export`);
  return file;
}
