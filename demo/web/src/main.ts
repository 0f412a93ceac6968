/**
 * The imaging workstation: the store in this browser's IndexedDB, replicated live with the demo's FHIR server
 * through a switchable network, a worklist (`#/`) and a viewer with its selections panel (`#/study/<id>`).
 */
import { openStore, type Replication, type Store } from '../../../src/index.js';
import { conflictsPanel } from './conflicts.js';
import { h, mount } from './dom.js';
import { networkSwitch } from './network.js';
import { registerServiceWorker } from './offline.js';
import { selectionsPanel } from './selections.js';
import { studyImages } from './study-images.js';
import { syncBar } from './sync-bar.js';
import { openViewer } from './viewer.js';
import { worklist } from './worklist.js';

interface DemoConfig {
  fhirBaseUrl: string;
  serverId: string;
}

const app = document.getElementById('app')!;
const bar = document.getElementById('sync-bar')!;

/** What the current screen must undo when the route changes. */
let leave: () => Promise<void> | void = () => {};
let routing = Promise.resolve();

async function showRoute(store: Store, replication: Replication): Promise<void> {
  await leave();
  leave = () => {};
  const study = /^#\/study\/([A-Za-z0-9\-.]{1,64})$/.exec(location.hash)?.[1];
  if (!study) {
    leave = worklist(store, app);
    return;
  }
  const status = h('p', { class: 'status', 'data-testid': 'status' });
  const viewerEl = h('section', { class: 'viewer-pane' });
  const panelEl = h('aside', { class: 'panel' });
  mount(app, h('div', { class: 'study-head' }, h('a', { href: '#/' }, '← Worklist'), h('span', { 'data-testid': 'study-title' })), status, h('div', { class: 'study' }, viewerEl, panelEl));
  const say = (text: string, error = false): void => {
    status.textContent = text;
    status.classList.toggle('error', error);
  };
  try {
    // Opened by a link before the first sync brought the study: wait for the cycle under way, then read again.
    const images = await studyImages(store, study).catch(async () => {
      say('Waiting for the first sync…');
      await replication.syncOnce().catch(() => {});
      return studyImages(store, study);
    });
    (app.querySelector('[data-testid="study-title"]') as HTMLElement).textContent = `${images.study.subject?.display ?? ''} · ${images.study.description ?? ''} · ${images.study.started?.slice(0, 10) ?? ''}`;
    const viewer = await openViewer(store, images, viewerEl, say);
    const panel = selectionsPanel(store, images, panelEl, (uid) => void viewer.show(uid));
    app.dataset.ready = study;
    leave = async () => {
      delete app.dataset.ready;
      panel.close();
      await viewer.close();
    };
  } catch (e) {
    say(`Cannot open the study: ${e instanceof Error ? e.message : String(e)} (has the first sync run?)`, true);
  }
}

async function start(): Promise<void> {
  registerServiceWorker();
  // Without the app's server, the service worker answers the copy it kept.
  const config = (await (await fetch('/demo-config.json')).json()) as DemoConfig;
  // One database per server: the demo's server keeps its data across restarts and names itself (its port may
  // change); a server started afresh (--reset) is a new one, and a store synced with the old one would hold what
  // the new one never had.
  const name = `workstation ${config.serverId}`;
  // Persistent storage: the browser does not evict the outbox and the images under storage pressure.
  const store = await openStore({ name, persist: true });
  const network = networkSwitch();
  const replication: Replication = store.replicate({
    baseUrl: config.fhirBaseUrl,
    resourceTypes: ['Patient', 'Endpoint', 'ImagingStudy', 'ImagingSelection'],
    live: true,
    // Changes made on another workstation show here within one interval.
    interval: 2000,
    retry: { initialDelay: 500, maxDelay: 5000, maxAttempts: 3 },
    fetch: network.fetch,
    environment: { online: network.online },
  });
  syncBar(bar, replication, network, 'fhir-offline-store workstation', store);
  conflictsPanel(document.getElementById('conflicts')!, replication);
  Object.assign(window, { workstationStore: store, workstationReplication: replication });
  const route = (): void => {
    routing = routing.then(() => showRoute(store, replication)).catch((e: unknown) => console.error(e));
  };
  addEventListener('hashchange', route);
  route();
}

start().catch((e: unknown) => mount(app, h('p', { class: 'error' }, `The workstation could not start: ${e instanceof Error ? e.message : String(e)}`)));
