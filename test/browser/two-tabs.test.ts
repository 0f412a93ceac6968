/**
 * Two tabs of one origin in real Chromium (the built library, dist/index.js): an edit in one tab reaches the
 * other tab's `watch()` through IndexedDB; both tabs run live replication against this package's FHIR server
 * (another origin, so over CORS), yet the Web Lock `fhir-offline-store:<name>` lets only one of them
 * replicate at a time: no overlapping lock holds or requests, and every change is PUT exactly once.
 */
import type { Bundle, ImagingSelection } from 'fhir/r5';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { bundlePage, collectErrors, DIST, HAVE_CHROMIUM, launchChromium, loadExample, requireChromium, servePage, type Browser, type PageServer } from './harness.js';

const DB_NAME = 'two-tabs';
const LOCK = `fhir-offline-store:${DB_NAME}`;
const INTERVAL_MS = 200;
/** How long an edit may take to show up elsewhere (watch, other tab, server). */
const SOON_MS = 5_000;

/** One emission of `watch('ImagingSelection', { status: 'unknown' })`, as the page records it. */
interface Emission {
  at: number;
  ids: string[];
  /** `id` → `versionId|code.text` of each match. */
  versions: Record<string, string>;
}
/** One request of the replication's `fetch` (start and end on the shared epoch clock, in ms). */
interface RequestRecord {
  method: string;
  path: string;
  start: number;
  end?: number;
  status?: number;
}
/** A time this page held the replication lock (the library's callback running). */
interface Hold {
  start: number;
  end?: number;
}
/** What the page script keeps on `window.tab`. */
interface TabState {
  emissions: Emission[];
  changes: { at: number; type: string; id: string; versionId: number; origin: string }[];
  states: { at: number; state: string }[];
  requests: RequestRecord[];
  locks: { attempts: number; granted: number; holds: Hold[] };
  sampler: { samples: number; busy: number; maxHeld: number; holders: string[] } | undefined;
  errors: string[];
}
interface TabApi {
  ready: Promise<void>;
  state: TabState;
  handle(req: { method: string; url: string; headers?: Record<string, string>; body?: unknown }): Promise<{ status: number; body?: unknown }>;
  /** Rows in the outbox (shared by the tabs: one database). */
  outbox(): Promise<number>;
  watch(): void;
  replicate(baseUrl: string, interval: number): void;
  /** `syncOnce()` of the live replication; what this tab pushed and pulled in it. */
  sync(): Promise<{ pushed: number; pulled: number }>;
  /** Ends live replication (a running cycle finishes). */
  stopLive(): void;
  startSampler(): void;
  stopSampler(): Promise<void>;
  stop(): Promise<void>;
}
type TabWindow = { tab: TabApi };

/**
 * The page script. Time is `performance.timeOrigin + performance.now()`: one epoch clock in milliseconds,
 * comparable across the two tabs. `LockManager.prototype.request` is wrapped (before any cycle runs) to
 * record when this tab asked for and held the replication lock; the library itself is unchanged.
 */
const ENTRY = `
import { openStore } from ${JSON.stringify(DIST)};
const LOCK = ${JSON.stringify(LOCK)};
const now = () => performance.timeOrigin + performance.now();
const state = { emissions: [], changes: [], states: [], requests: [],
  locks: { attempts: 0, granted: 0, holds: [] }, sampler: undefined, errors: [] };
const subs = [];

const request = LockManager.prototype.request;
LockManager.prototype.request = function (name, ...rest) {
  if (name !== LOCK) return request.call(this, name, ...rest);
  const callback = rest.pop();
  state.locks.attempts++;
  return request.call(this, name, ...rest, async (lock) => {
    if (!lock) return callback(lock);
    state.locks.granted++;
    const hold = { start: now() };
    state.locks.holds.push(hold);
    try { return await callback(lock); } finally { hold.end = now(); }
  });
};

let replication;
let sampling;
window.tab = { state };
window.tab.ready = openStore({ name: ${JSON.stringify(DB_NAME)} }).then((store) => {
  subs.push(store.changes$.subscribe((c) => state.changes.push({ at: now(), ...c })));
  Object.assign(window.tab, {
    handle: (req) => store.handle(req),
    outbox: () => store.database.outbox.count(),
    watch() {
      subs.push(store.watch('ImagingSelection', { status: 'unknown' }).subscribe({
        next(bundle) {
          const resources = (bundle.entry ?? []).filter((e) => e.search?.mode !== 'outcome').map((e) => e.resource);
          state.emissions.push({
            at: now(),
            ids: resources.map((r) => r.id).sort(),
            versions: Object.fromEntries(resources.map((r) => [r.id, r.meta?.versionId + '|' + (r.code?.text ?? '')])),
          });
        },
        error: (e) => state.errors.push('watch: ' + (e?.stack ?? e)),
      }));
    },
    async sync() {
      const report = await replication.syncOnce();
      return { pushed: report.pushed.length, pulled: report.pulled };
    },
    replicate(baseUrl, interval) {
      const countingFetch = async (input, init) => {
        const url = new URL(String(input));
        const rec = { method: init?.method ?? 'GET', path: url.pathname + url.search, start: now() };
        state.requests.push(rec);
        try {
          const res = await fetch(input, init);
          rec.status = res.status;
          return res;
        } finally {
          rec.end = now();
        }
      };
      replication = store.replicate({ baseUrl, live: true, interval, fetch: countingFetch });
      subs.push(replication.state$.subscribe((s) => state.states.push({ at: now(), state: s })));
      subs.push(replication.errors$.subscribe((e) => state.errors.push('replication: ' + e.message)));
    },
    // Polls navigator.locks.query(): the origin's locks as the browser sees them, whichever tab holds them.
    startSampler() {
      const s = (state.sampler = { samples: 0, busy: 0, maxHeld: 0, holders: [] });
      let running = true;
      const loop = (async () => {
        while (running) {
          const snapshot = await navigator.locks.query();
          const held = snapshot.held.filter((l) => l.name === LOCK);
          s.samples++;
          if (held.length > 0) s.busy++;
          s.maxHeld = Math.max(s.maxHeld, held.length);
          for (const l of held) if (!s.holders.includes(l.clientId)) s.holders.push(l.clientId);
          await new Promise((r) => setTimeout(r, 1));
        }
      })();
      sampling = async () => { running = false; await loop; };
    },
    stopSampler: () => sampling?.(),
    stopLive: () => replication?.stop(),
    async stop() {
      replication?.stop();
      await sampling?.();
      for (const sub of subs) sub.unsubscribe();
    },
  });
});
`;

requireChromium('browser: two tabs in Chromium');

describe.skipIf(!HAVE_CHROMIUM)('browser: two tabs of one origin share a store; one replicates at a time', () => {
  let remote: RunningServer | undefined;
  let pageServer: PageServer | undefined;
  let browser: Browser | undefined;
  let pageA: Page;
  let pageB: Page;
  const pageErrors: string[] = [];
  /** Requests the FHIR server saw: `METHOD /path status`. */
  const serverLog: string[] = [];
  let example: ImagingSelection;

  /** An ImagingSelection that `status=unknown` matches, made from the official example. */
  const selection = (id: string, text: string): ImagingSelection => ({ ...example, id, status: 'unknown', code: { text } });

  const stateOf = (page: Page): Promise<TabState> => page.evaluate(() => (window as unknown as TabWindow).tab.state);
  const put = (page: Page, resource: ImagingSelection, headers: Record<string, string> = {}): Promise<{ status: number; body?: unknown }> =>
    page.evaluate(
      ([r, h]) => (window as unknown as TabWindow).tab.handle({ method: 'PUT', url: `ImagingSelection/${r.id}`, headers: h, body: r }),
      [resource, headers] as const,
    );

  /** The FHIR server over HTTP, as another client would see it. */
  async function remoteCall(method: string, path: string, body?: unknown): Promise<{ status: number; body?: Record<string, unknown> }> {
    const res = await fetch(`${remote!.url}/${path}`, {
      method,
      headers: { Accept: 'application/fhir+json', ...(body ? { 'Content-Type': 'application/fhir+json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, ...(text ? { body: JSON.parse(text) as Record<string, unknown> } : {}) };
  }

  /** Polls `check` until it returns true; on timeout fails with `what` and whatever `explain` reports. */
  async function until(what: string, check: () => Promise<boolean>, explain: () => Promise<unknown>, timeoutMs = SOON_MS): Promise<number> {
    const started = Date.now();
    for (;;) {
      if (await check()) return Date.now() - started;
      if (Date.now() - started > timeoutMs) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${JSON.stringify(await explain().catch((e: Error) => e.message))}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const lastEmission = (s: TabState): Emission | undefined => s.emissions[s.emissions.length - 1];
  /** Waits until the last watch() emission of `page` shows `id` at `expect` (`versionId|code.text`). */
  const untilWatched = (page: Page, label: string, id: string, expected: string): Promise<number> =>
    until(
      `tab ${label}'s watch() to show ${id} as ${expected}`,
      async () => lastEmission(await stateOf(page))?.versions[id] === expected,
      async () => {
        const s = await stateOf(page);
        const read = await page.evaluate((i) => (window as unknown as TabWindow).tab.handle({ method: 'GET', url: `ImagingSelection/${i}` }), id);
        const search = await page.evaluate(() => (window as unknown as TabWindow).tab.handle({ method: 'GET', url: 'ImagingSelection?status=unknown' }));
        // What the tab reads now, against what watch() last emitted: a stalled watch() shows here.
        return {
          emissions: s.emissions.length,
          lastEmission: lastEmission(s),
          read: { status: read.status, versionId: (read.body as ImagingSelection | undefined)?.meta?.versionId },
          search: (search.body as Bundle).entry?.map((e) => e.resource?.id),
          errors: s.errors,
          pageErrors,
        };
      },
    );

  /** Outbox empty (the tabs share it) and every given resource on the server at its expected version. */
  const untilSynced = (expected: Record<string, string>): Promise<number> =>
    until(
      `the outbox to drain and the server to hold ${JSON.stringify(expected)}`,
      async () => {
        if ((await pageA.evaluate(() => (window as unknown as TabWindow).tab.outbox())) !== 0) return false;
        for (const [id, version] of Object.entries(expected)) {
          const r = await remoteCall('GET', `ImagingSelection/${id}`);
          if ((r.body?.meta as { versionId?: string } | undefined)?.versionId !== version) return false;
        }
        return true;
      },
      async () => {
        const [a, b] = [await stateOf(pageA), await stateOf(pageB)];
        return { outbox: await pageA.evaluate(() => (window as unknown as TabWindow).tab.outbox()), statesA: a.states.slice(-5), statesB: b.states.slice(-5), errors: [...a.errors, ...b.errors], serverLog: serverLog.slice(-10) };
      },
    );

  /** PUTs of `ImagingSelection/<id>` made by both tabs' fetch, per id. */
  const putsById = (...states: TabState[]): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const r of states.flatMap((s) => s.requests)) {
      const id = r.method === 'PUT' ? /\/ImagingSelection\/([^/?]+)$/.exec(r.path)?.[1] : undefined;
      if (id) out[id] = (out[id] ?? 0) + 1;
    }
    return out;
  };
  /** PUTs of `ImagingSelection/<id>` the server answered, per id. */
  const serverPutsById = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const line of serverLog) {
      const id = /^PUT \S*\/ImagingSelection\/([^/?\s]+) /.exec(line)?.[1];
      if (id) out[id] = (out[id] ?? 0) + 1;
    }
    return out;
  };

  beforeAll(async () => {
    example = loadExample('ImagingSelection-example-basic-image-selection.json');
    remote = await startServer({ port: 0, log: (line) => serverLog.push(line) });
    const script = await bundlePage(ENTRY);
    pageServer = await servePage(script);
    // Another port, so another origin than the server: every replication request goes through CORS.
    expect(new URL(remote.url).origin).not.toBe(pageServer.origin);
    browser = await launchChromium();
    pageA = browser.context.pages()[0] ?? (await browser.context.newPage());
    pageB = await browser.context.newPage();
    for (const [page, label] of [[pageA, 'A'], [pageB, 'B']] as const) {
      page.setDefaultTimeout(10_000);
      collectErrors(page, pageErrors, label);
      // One after the other: the first open creates the database, the second opens it as it is.
      await page.goto(`${pageServer.origin}/`);
      await page.waitForFunction(() => (window as unknown as Partial<TabWindow>).tab?.ready !== undefined, null, { timeout: 10_000 });
      await page.evaluate(() => (window as unknown as TabWindow).tab.ready);
    }
  }, 30_000);

  afterAll(async () => {
    for (const page of [pageA, pageB]) await page?.evaluate(() => (window as unknown as Partial<TabWindow>).tab?.stop?.()).catch(() => {});
    await browser?.close();
    await pageServer?.close();
    await remote?.close();
  });

  it('both tabs open the same database and watch() it (first emission: no matches)', async () => {
    for (const page of [pageA, pageB]) await page.evaluate(() => (window as unknown as TabWindow).tab.watch());
    for (const [page, label] of [[pageA, 'A'], [pageB, 'B']] as const) {
      await until(
        `tab ${label}'s first watch() emission`,
        async () => (await stateOf(page)).emissions.length > 0,
        async () => ({ pageErrors }),
      );
      expect((await stateOf(page)).emissions[0]?.ids).toEqual([]);
    }
    // Two documents of the same origin, in the same context.
    expect(await pageA.evaluate(() => location.origin)).toBe(await pageB.evaluate(() => location.origin));
  });

  it("an edit in tab A appears in tab B's watch() (across tabs, before any replication)", async () => {
    const res = await put(pageA, selection('tab-a-1', 'from tab A'));
    expect(res.status).toBe(201);
    const ms = await untilWatched(pageB, 'B', 'tab-a-1', '1|from tab A');
    expect(ms).toBeLessThan(SOON_MS);
    // B learnt it from IndexedDB, not from a change of its own: only A's changes$ reported the write.
    const [a, b] = [await stateOf(pageA), await stateOf(pageB)];
    expect(a.changes.map((c) => `${c.origin} ${c.id}`)).toEqual(['local tab-a-1']);
    expect(b.changes).toEqual([]);
    // No replication yet: nothing reached the server.
    expect(serverLog.filter((l) => !l.startsWith('OPTIONS'))).toEqual([]);
  });

  it('both tabs replicate live; every change of tab A reaches the server once, with one PUT', async () => {
    for (const page of [pageA, pageB]) await page.evaluate(() => (window as unknown as TabWindow).tab.startSampler());
    for (const page of [pageA, pageB]) await page.evaluate(([url, ms]) => (window as unknown as TabWindow).tab.replicate(url, ms), [remote!.url, INTERVAL_MS] as const);
    // tab-a-1 (made before replication started) is pushed now; two more are made while both tabs replicate.
    await put(pageA, selection('tab-a-2', 'second from tab A'));
    await put(pageA, selection('tab-a-3', 'third from tab A'));
    await untilSynced({ 'tab-a-1': '1', 'tab-a-2': '1', 'tab-a-3': '1' });
    // An update of a resource the server already holds goes once more, as version 2 (If-Match: W/"1").
    expect((await put(pageA, selection('tab-a-2', 'second from tab A, edited'), { 'If-Match': 'W/"1"' })).status).toBe(200);
    await untilSynced({ 'tab-a-1': '1', 'tab-a-2': '2', 'tab-a-3': '1' });
    await untilWatched(pageB, 'B', 'tab-a-2', '2|second from tab A, edited');
    // Let a few more intervals pass, so a late duplicate push would show.
    await new Promise((r) => setTimeout(r, 4 * INTERVAL_MS));

    const [a, b] = [await stateOf(pageA), await stateOf(pageB)];
    // Each change was PUT once, by whichever tab held the lock: counted by both tabs' fetch and by the server.
    expect(putsById(a, b)).toEqual({ 'tab-a-1': 1, 'tab-a-2': 2, 'tab-a-3': 1 });
    expect(serverPutsById()).toEqual({ 'tab-a-1': 1, 'tab-a-2': 2, 'tab-a-3': 1 });
    for (const [id, versions] of [['tab-a-1', 1], ['tab-a-2', 2], ['tab-a-3', 1]] as const) {
      const history = await remoteCall('GET', `ImagingSelection/${id}/_history`);
      expect((history.body as unknown as Bundle).total, `versions of ${id} on the server`).toBe(versions);
    }
    const onServer = await remoteCall('GET', 'ImagingSelection/tab-a-2');
    expect((onServer.body as unknown as ImagingSelection).code.text).toBe('second from tab A, edited');
    // Both tabs run live replication: both keep asking for the lock.
    expect(a.locks.attempts, 'lock requests of tab A').toBeGreaterThanOrEqual(3);
    expect(b.locks.attempts, 'lock requests of tab B').toBeGreaterThanOrEqual(3);
    expect(a.locks.granted + b.locks.granted).toBeGreaterThan(0);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('a change on the server reaches both tabs: one tab pulls it, the other sees it through IndexedDB', async () => {
    const created = await remoteCall('PUT', 'ImagingSelection/server-1', selection('server-1', 'from the server'));
    expect(created.status).toBe(201);
    await untilWatched(pageA, 'A', 'server-1', '1|from the server');
    await untilWatched(pageB, 'B', 'server-1', '1|from the server');
    const updated = await remoteCall('PUT', 'ImagingSelection/tab-a-3', selection('tab-a-3', 'edited on the server'));
    expect(updated.status).toBe(200);
    await untilWatched(pageA, 'A', 'tab-a-3', '2|edited on the server');
    await untilWatched(pageB, 'B', 'tab-a-3', '2|edited on the server');
    await new Promise((r) => setTimeout(r, 2 * INTERVAL_MS));

    const [a, b] = [await stateOf(pageA), await stateOf(pageB)];
    // Each pulled version was applied by exactly one tab (changes$ reports a tab's own commits only).
    const remoteChanges = [...a.changes, ...b.changes].filter((c) => c.origin === 'remote').map((c) => `${c.id}@${c.versionId}`);
    expect(remoteChanges.sort()).toEqual(['server-1@1', 'tab-a-3@2']);
    // Pulled versions are not pushed back.
    expect(putsById(a, b)).toEqual({ 'tab-a-1': 1, 'tab-a-2': 2, 'tab-a-3': 1 });
    // The server saw the tabs' PUTs and the two of this test, nothing more.
    expect(serverPutsById()).toEqual({ 'tab-a-1': 1, 'tab-a-2': 2, 'tab-a-3': 2, 'server-1': 1 });
  });

  it('two tabs that sync at the same moment: one gets the lock, the other skips its cycle', async () => {
    const locks = async (): Promise<number[]> => {
      const [a, b] = [await stateOf(pageA), await stateOf(pageB)];
      return [a.locks.attempts, a.locks.granted, b.locks.attempts, b.locks.granted];
    };
    let contended = 0;
    for (let round = 0; round < 5 && contended < 2; round++) {
      const before = await locks();
      await Promise.all([pageA, pageB].map((page) => page.evaluate(() => (window as unknown as TabWindow).tab.sync())));
      const after = await locks();
      const [askedA, gotA, askedB, gotB] = after.map((n, i) => n - before[i]!);
      // A round where a tab asked and was refused: the lock was held (by the other tab, or by a live cycle).
      if (askedA! > gotA! || askedB! > gotB!) contended++;
    }
    expect(contended, 'rounds in which a tab was refused the lock').toBeGreaterThan(0);
  });

  it('at no time did both tabs replicate at once (Web Locks, lock holds, requests, state$)', async () => {
    // Stop both, and let a cycle that is running finish, so that every record is complete.
    for (const page of [pageA, pageB]) await page.evaluate(() => (window as unknown as TabWindow).tab.stopLive());
    for (const page of [pageA, pageB]) await page.evaluate(() => (window as unknown as TabWindow).tab.stopSampler());
    const unfinished = async (): Promise<unknown[]> =>
      [...(await stateOf(pageA)).locks.holds, ...(await stateOf(pageB)).locks.holds].filter((h) => h.end === undefined);
    await until('the last replication cycle to end', async () => (await unfinished()).length === 0, unfinished);
    const [a, b] = [await stateOf(pageA), await stateOf(pageB)];

    // The browser's view (navigator.locks.query(), polled in both tabs): never two holders of the lock.
    for (const [s, label] of [[a, 'A'], [b, 'B']] as const) {
      expect(s.sampler?.maxHeld, `most holders of ${LOCK} seen from tab ${label}`).toBe(1);
      expect(s.sampler?.samples, `lock samples of tab ${label}`).toBeGreaterThan(100);
      expect(s.sampler?.busy, `samples of tab ${label} that saw the lock held`).toBeGreaterThan(0);
    }

    // The tabs' own view: the times each held the lock never overlap across tabs.
    const holds = [...a.locks.holds.map((h) => ({ ...h, tab: 'A' })), ...b.locks.holds.map((h) => ({ ...h, tab: 'B' }))].sort((x, y) => x.start - y.start);
    for (let i = 1; i < holds.length; i++) {
      const [prev, cur] = [holds[i - 1]!, holds[i]!];
      expect(cur.start, `hold ${i} (tab ${cur.tab}) starts after hold ${i - 1} (tab ${prev.tab}) ended`).toBeGreaterThanOrEqual(prev.end!);
    }

    // Every request of a tab was made while that tab held the lock, so requests of the two tabs never overlap.
    for (const [s, label] of [[a, 'A'], [b, 'B']] as const) {
      for (const r of s.requests) {
        const inside = s.locks.holds.some((h) => h.start <= r.start && r.end !== undefined && h.end !== undefined && r.end <= h.end);
        expect(inside, `tab ${label}'s ${r.method} ${r.path} inside one of its lock holds`).toBe(true);
      }
    }

    // state$: a tab is pushing or pulling only while it holds the lock; nothing went offline or failed.
    for (const [s, label] of [[a, 'A'], [b, 'B']] as const) {
      for (const st of s.states.filter((x) => x.state === 'pushing' || x.state === 'pulling')) {
        expect(s.locks.holds.some((h) => h.start <= st.at && st.at <= (h.end ?? Infinity)), `tab ${label} '${st.state}' at ${st.at} inside a lock hold`).toBe(true);
      }
      expect(s.states.filter((x) => !['idle', 'pushing', 'pulling'].includes(x.state)), `tab ${label}: states other than idle/pushing/pulling`).toEqual([]);
    }
    const active = [...a.states, ...b.states].filter((x) => x.state === 'pushing');
    expect(active.length, 'cycles that ran').toBeGreaterThan(0);

    console.info(
      `[two-tabs] lock holds A ${a.locks.granted}/${a.locks.attempts}, B ${b.locks.granted}/${b.locks.attempts}; ` +
        `requests A ${a.requests.length}, B ${b.requests.length}; lock samples ${a.sampler?.samples}+${b.sampler?.samples} (held in ${a.sampler?.busy}+${b.sampler?.busy}); ` +
        `holders seen ${new Set([...(a.sampler?.holders ?? []), ...(b.sampler?.holders ?? [])]).size}`,
    );
    expect(pageErrors).toEqual([]);
  });
});
