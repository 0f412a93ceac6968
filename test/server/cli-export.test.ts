import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, ImagingSelection } from 'fhir/r5';
import { expect, it } from 'vitest';
import { exportToDirectory } from '../../src/server/export-dir.js';
import { openTestStore, selection } from '../helpers.js';
import { cliHarness } from './cli-harness.js';

const { scratch, run } = cliHarness('fhir-cli-export-test-');

/** A store with history, a deletion and pending changes, exported by the library into a new directory. */
async function exportedStore(name: string): Promise<string> {
  const store = await openTestStore();
  await store.update(selection({ id: 'x' }));
  await store.update(selection({ id: 'x', status: 'unknown' }));
  await store.update(selection({ id: 'gone' }));
  await store.delete('ImagingSelection', 'gone');
  await store.update(selection({ id: 'y', code: { text: 'lung nodule' } }));
  const dir = join(scratch(), name);
  await exportToDirectory(store, dir);
  store.close();
  return dir;
}

it('export --data writes the files and the manifest; import checks them and says what they hold', async () => {
  const data = join(scratch(), 'data.ndjson');
  writeFileSync(data, [selection({ id: 'a' }), selection({ id: 'b' }), { resourceType: 'Patient', id: 'p', name: [{ family: 'Doe' }] }].map((r) => JSON.stringify(r)).join('\n'));
  const out = join(scratch(), 'from-data');
  const exp = run(['export', '--data', data, '--out', out]);
  expect(await exp.exit, exp.stderr()).toBe(0);
  expect(exp.stdout()).toBe(`Exported 3 versions of 2 resource types to ${out}\n`);
  expect(readdirSync(out).sort()).toEqual(['ImagingSelection.ndjson', 'Patient.ndjson', 'manifest.json']);
  expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).output).toEqual([
    { type: 'ImagingSelection', url: 'ImagingSelection.ndjson', count: 2 },
    { type: 'Patient', url: 'Patient.ndjson', count: 1 },
  ]);
  const imp = run(['import', out]);
  expect(await imp.exit, imp.stderr()).toBe(0);
  expect(imp.stdout()).toBe(`Restored ${out}: 3 resources, 3 versions, 0 pending changes, 0 conflicts, 0 dead letters, 0 checkpoints\n`);
});

it('import restores a store with its history and pending changes; serve --import serves it; export --import writes it again', async () => {
  const dir = await exportedStore('with-history');
  const imp = run(['import', dir]);
  expect(await imp.exit, imp.stderr()).toBe(0);
  expect(imp.stdout()).toMatch(/: 3 resources, 5 versions, 2 pending changes, 0 conflicts/);

  const proc = run(['serve', '--port', '0', '--import', dir]);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /FHIR R5 server listening at (http:\/\/127\.0\.0\.1:\d+\/fhir)\n/.exec(proc.stdout());
      if (m) {
        clearInterval(timer);
        resolve(m[1]!);
      }
    }, 50);
    void proc.exit.then(() => reject(new Error(`exited: ${proc.stderr()}`)));
  });
  expect(proc.stdout()).toContain(`Restored 3 resources from ${dir}`);
  const history = (await (await fetch(`${url}/ImagingSelection/x/_history`)).json()) as Bundle<ImagingSelection>;
  expect(history.entry?.map((e) => [e.resource?.meta?.versionId, e.resource?.status])).toEqual([['2', 'unknown'], ['1', 'available']]);
  expect((await fetch(`${url}/ImagingSelection/gone`)).status).toBe(410);
  const found = (await (await fetch(`${url}/ImagingSelection?_content=nodule`)).json()) as Bundle;
  expect(found.entry?.map((e) => e.resource?.id)).toEqual(['y']);
  proc.child.kill('SIGTERM');
  expect(await proc.exit).toBe(0);

  const again = join(scratch(), 'again');
  const exp = run(['export', '--import', dir, '--out', again]);
  expect(await exp.exit, exp.stderr()).toBe(0);
  for (const file of readdirSync(dir).filter((f) => f !== 'manifest.json')) expect(readFileSync(join(again, file), 'utf8'), file).toBe(readFileSync(join(dir, file), 'utf8'));
});

it('import of a broken export: exit 1, naming file and line', async () => {
  const dir = await exportedStore('broken');
  const file = join(dir, 'ImagingSelection.ndjson');
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[2] = lines[2]!.replace('"resourceType":"ImagingSelection"', '"resourceType":"Patient"');
  writeFileSync(file, lines.join('\n'));
  const imp = run(['import', dir]);
  expect(await imp.exit).toBe(1);
  expect(imp.stderr()).toBe(`fhir-offline-store: ImagingSelection.ndjson:3: resourceType is 'Patient', the file holds ImagingSelection (HTTP 400)\n`);
  expect(imp.stdout()).toBe('');
});

it('export refuses a directory that holds files (exit 1); usage mistakes exit 2', async () => {
  const dir = await exportedStore('full');
  const exp = run(['export', '--out', dir]);
  expect(await exp.exit).toBe(1);
  expect(exp.stderr()).toMatch(/is not empty: export into a new or empty directory/);
  for (const [args, message] of [
    [['export'], /export needs --out DIR/],
    [['import'], /import needs one directory/],
    [['export', '--out', join(scratch(), 'x'), '--data', 'f', '--import', 'd'], /--data and --import do not go together/],
    [['serve', '--out', 'x'], /--out belongs to export/],
  ] as const) {
    const proc = run([...args]);
    expect(await proc.exit, args.join(' ')).toBe(2);
    expect(proc.stderr()).toMatch(message);
  }
});
