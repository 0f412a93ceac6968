import type { ExportSource, Store } from '../../src/index.js';

/** Runs `store.export()` into file texts by name (what a directory of the export would hold). */
export async function exportToFiles(store: Store): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const chunk of store.export()) files.set(chunk.file, (files.get(chunk.file) ?? '') + chunk.text);
  return files;
}

/**
 * An import source over file texts, handed out in pieces of `piece` characters, so lines are split across pieces
 * as a stream from disk would split them.
 */
export function filesSource(files: Map<string, string>, piece = 4099): ExportSource {
  return {
    async *read(file: string) {
      const text = files.get(file);
      if (text === undefined) throw new Error(`no file ${file}`);
      for (let i = 0; i < text.length; i += piece) yield text.slice(i, i + piece);
    },
  };
}
