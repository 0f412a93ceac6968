#!/usr/bin/env node
// Runs after tsup (`npm run build`). `@types/fhir` has no `exports` map, so an ES module reaches its R5 types
// only by the full file name: under `moduleResolution: node16`/`nodenext` an ESM declaration file's
// `from 'fhir/r5'` does not resolve (no extension search in ESM) and every FHIR type in it becomes `any`.
// `fhir/r5.js` resolves to `r5.d.ts` under every resolution mode, so the ESM declarations (dist/*.d.ts) name it
// so; the sources keep `fhir/r5`, and the CommonJS declarations (dist/*.d.cts) resolve it as they are.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])fhir\/r5\2/g;
let rewritten = 0;
for (const name of readdirSync(dist).filter((f) => f.endsWith('.d.ts'))) {
  const file = join(dist, name);
  const text = readFileSync(file, 'utf8');
  const next = text.replace(SPECIFIER, (_m, lead, quote) => `${lead}${quote}fhir/r5.js${quote}`);
  if (next !== text) {
    writeFileSync(file, next);
    rewritten += 1;
  }
}
console.log(`esm-dts-specifiers: fhir/r5 -> fhir/r5.js in ${rewritten} ESM declaration file(s)`);
