/**
 * The plots of `npm run bench:browser`, drawn by hand as one SVG of small multiples: one panel per measure, its
 * cost against N (log-log), store and raw as two lines. No plotting dependency: a few lines and labels.
 * @module
 */

/** One measure's figures at each size. */
export interface Panel {
  title: string;
  unit: string;
  points: { n: number; store: number; raw: number }[];
}

const W = 270;
const H = 180;
const PAD = { left: 46, right: 12, top: 34, bottom: 30 };
const COLUMNS = 3;
const COLORS = { store: '#c2410c', raw: '#1d4ed8' } as const;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** A short number: 0.42, 3.9, 17, 1.2k, 2.7M. */
export const short = (x: number): string =>
  x >= 1e6 ? `${+(x / 1e6).toPrecision(2)}M` : x >= 1e3 ? `${+(x / 1e3).toPrecision(2)}k` : x >= 10 ? x.toFixed(0) : `${+x.toPrecision(2)}`;

/** Scale of a log axis from the values' range, with some room. */
function logScale(values: number[], from: number, to: number): { at: (v: number) => number; lo: number; hi: number } {
  const pos = values.filter((v) => v > 0);
  let lo = Math.log10(Math.min(...pos));
  let hi = Math.log10(Math.max(...pos));
  if (hi - lo < 1) {
    const mid = (hi + lo) / 2;
    lo = mid - 0.5;
    hi = mid + 0.5;
  }
  lo -= 0.08 * (hi - lo);
  hi += 0.08 * (hi - lo);
  return { lo, hi, at: (v) => from + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * (to - from) };
}

function panel(p: Panel, x0: number, y0: number): string {
  const ns = p.points.map((q) => q.n);
  const xs = logScale(ns, x0 + PAD.left, x0 + W - PAD.right);
  const ys = logScale(p.points.flatMap((q) => [q.store, q.raw]), y0 + H - PAD.bottom, y0 + PAD.top);
  const out: string[] = [];
  out.push(`<rect x="${x0 + 0.5}" y="${y0 + 0.5}" width="${W - 1}" height="${H - 1}" fill="#fff" stroke="#ddd"/>`);
  out.push(`<text x="${x0 + 8}" y="${y0 + 16}" font-weight="bold">${esc(p.title)}</text>`);
  out.push(`<text x="${x0 + 8}" y="${y0 + 28}" fill="#666">${esc(p.unit)}, log scales</text>`);
  for (let e = Math.ceil(ys.lo); e <= Math.floor(ys.hi); e++) {
    const y = ys.at(10 ** e).toFixed(1);
    out.push(`<line x1="${x0 + PAD.left}" x2="${x0 + W - PAD.right}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${x0 + PAD.left - 4}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#666">${short(10 ** e)}</text>`);
  }
  for (const n of ns) {
    const x = xs.at(n).toFixed(1);
    out.push(`<text x="${x}" y="${y0 + H - 12}" text-anchor="middle" fill="#666">${short(n)}</text>`);
  }
  for (const side of ['store', 'raw'] as const) {
    const pts = p.points.map((q) => `${xs.at(q.n).toFixed(1)},${ys.at(q[side]).toFixed(1)}`);
    out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${COLORS[side]}" stroke-width="2"/>`);
    for (const q of p.points) {
      const x = xs.at(q.n);
      const y = ys.at(q[side]);
      out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${COLORS[side]}"/>`);
      out.push(`<text x="${(x + 5).toFixed(1)}" y="${(y + (side === 'store' ? -6 : 12)).toFixed(1)}" fill="${COLORS[side]}">${short(q[side])}</text>`);
    }
  }
  return out.join('\n');
}

/** The panels in a grid under a legend; x is N (ImagingSelections). */
export function plotGrid(panels: Panel[], caption: string): string {
  const rows = Math.ceil(panels.length / COLUMNS);
  const width = COLUMNS * W;
  const height = 40 + rows * H;
  const body = panels.map((p, i) => panel(p, (i % COLUMNS) * W, 40 + Math.floor(i / COLUMNS) * H));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fafafa"/>`,
    `<text x="8" y="16" font-size="13" font-weight="bold">${esc(caption)}</text>`,
    `<line x1="8" x2="28" y1="30" y2="30" stroke="${COLORS.store}" stroke-width="2"/><text x="32" y="34">fhir-offline-store</text>`,
    `<line x1="150" x2="170" y1="30" y2="30" stroke="${COLORS.raw}" stroke-width="2"/><text x="174" y="34">raw IndexedDB</text>`,
    `<text x="${width - 8}" y="34" text-anchor="end" fill="#666">x: ImagingSelections in the database</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
