/**
 * The service worker of the built app (demo/web/sw.ts): registered at start, so that the app shell and the
 * images viewed open again without the app's server. Vite's dev server (`--dev`) has none: its modules are not
 * a fixed set of files to keep.
 */
/// <reference types="vite/client" />

let ready: Promise<void> = Promise.resolve();

/** Registers `/sw.js` in the built app; `offlineReady()` then waits until it controls this page. */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const container = navigator.serviceWorker;
  let settle = (): void => {};
  if (!container.controller) {
    ready = new Promise<void>((resolve) => {
      settle = resolve;
      container.addEventListener('controllerchange', () => resolve(), { once: true });
      // A worker that cannot install must not keep the viewer closed: it opens, its images just are not kept.
      setTimeout(resolve, 15_000);
    });
  }
  // Registered on every start, controlled or not: that is when the browser looks for a newer build's worker.
  container.register('/sw.js').catch((e: unknown) => {
    console.warn('workstation: no service worker, so no start without the app server', e);
    settle();
  });
}

/** Resolves once the service worker controls the page (at once without one). */
export const offlineReady = (): Promise<void> => ready;
