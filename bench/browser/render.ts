/** Redraws docs/benchmarks-chromium.svg and the Chromium section of docs/benchmarks.md from the saved results. */
import { renderChromiumDocs } from './docs.js';

process.stdout.write(`${renderChromiumDocs()}\n`);
