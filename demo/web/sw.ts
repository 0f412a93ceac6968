/**
 * The workstation's service worker (built into `sw.js` by demo/web/app-build.ts, which puts the list of the
 * built files in front of it): the app opens with neither the app's server nor the FHIR server reachable.
 *
 * - The app shell (index.html and every built file, names with content hashes) and the current
 *   `/demo-config.json` are precached on install, in a cache named after the build, and served from it; the
 *   caches of earlier builds go on activate.
 * - DICOM files from `/wado` (WADO-URI) are cached once viewed: cache first, else the network, kept in Cache
 *   Storage (`wado-images`). A SOP Instance UID names one object for ever, so a cached answer never goes stale.
 * - `/demo-config.json` (where the FHIR server is) and page loads: the network first, the cached copy when it fails.
 * - Anything else (the FHIR server is another origin) is not touched: the store in IndexedDB is the app's copy of
 *   the FHIR data, and its replication talks to the server.
 * @see https://w3c.github.io/ServiceWorker/
 */

declare const PRECACHE: string[];
declare const BUILD: string;

// The parts of the service worker scope used here (the project compiles with the DOM library, which clashes
// with the webworker one).
interface LifecycleEvent extends Event {
  waitUntil(work: Promise<unknown>): void;
}
interface FetchEvent extends LifecycleEvent {
  readonly request: Request;
  respondWith(answer: Promise<Response>): void;
}
interface WorkerScope {
  readonly location: Location;
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: LifecycleEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}

const worker = self as unknown as WorkerScope;
const SHELL = `workstation-shell-${BUILD}`;
const IMAGES = 'wado-images';
// The app's server answers `Vary: Origin` (its CORS layer), and a page's module scripts are requested with an
// `Origin` the precache requests did not send: every file kept here is one object for its URL, whoever asks.
const MATCH: CacheQueryOptions = { ignoreVary: true };

worker.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      // The config too: the page fetched it before this worker could see it, and without it the app cannot name
      // its database on a start with no server (the network-first route refreshes it on every load).
      .then((cache) => cache.addAll([...PRECACHE, '/demo-config.json']))
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith('workstation-shell-') && n !== SHELL).map((n) => caches.delete(n))))
      // Take the page that registered this worker now: the images it views from here on are cached.
      .then(() => worker.clients.claim()),
  );
});

/** From the cache when there, else from the network, and kept when the answer is whole (200). */
async function cacheFirst(cacheName: string, request: Request): Promise<Response> {
  const cache = await caches.open(cacheName);
  const hit = await cache.match(request, MATCH);
  if (hit) return hit;
  const answer = await fetch(request);
  if (answer.status === 200) await cache.put(request, answer.clone());
  return answer;
}

/** From the network, its answer kept; the kept copy (or `fallback`'s) when the network fails. */
async function networkFirst(request: Request, fallback: string = new URL(request.url).pathname): Promise<Response> {
  const cache = await caches.open(SHELL);
  try {
    const answer = await fetch(request);
    if (answer.status === 200) await cache.put(fallback, answer.clone());
    return answer;
  } catch (e) {
    const kept = await cache.match(fallback, MATCH);
    if (kept) return kept;
    throw e;
  }
}

worker.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== worker.location.origin) return;
  if (url.pathname === '/wado') event.respondWith(cacheFirst(IMAGES, request));
  else if (url.pathname === '/demo-config.json') event.respondWith(networkFirst(request));
  else if (request.mode === 'navigate') event.respondWith(networkFirst(request, '/index.html'));
  else event.respondWith(caches.open(SHELL).then(async (cache) => (await cache.match(request, MATCH)) ?? fetch(request)));
});
