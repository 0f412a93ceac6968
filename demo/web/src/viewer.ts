/**
 * The viewer: a Cornerstone3D stack viewport on one series of a study (scroll with the wheel, window/level,
 * zoom, pan, Length and EllipticalROI on the left button), bound to the store with `bindAnnotations`: what is
 * drawn becomes an ImagingSelection at once (offline too), and selections that arrive from the server appear.
 */
import { Enums, eventTarget, getRenderingEngine, imageLoader, metaData, RenderingEngine, utilities, type Types } from '@cornerstonejs/core';
import { annotation, ToolGroupManager, utilities as toolUtilities } from '@cornerstonejs/tools';
import type { Store } from '../../../src/index.js';
import { bindAnnotations, type AnnotationBinding, type ImagePlane } from '../../../src/imaging/index.js';
import { PRIMARY_TOOLS, selectPrimaryTool, startCornerstone, TOOL_GROUP_ID } from './cornerstone.js';
import { h, mount } from './dom.js';
import { offlineReady } from './offline.js';
import type { StudyImages } from './study-images.js';

const ENGINE_ID = 'workstation';
export const VIEWPORT_ID = 'stack';

export interface Viewer {
  /** Shows the image of this SOP instance (switching series when needed). */
  show(sopInstanceUid: string): Promise<void>;
  close(): Promise<void>;
}

interface ImagePlaneModule extends ImagePlane {
  frameOfReferenceUID?: string;
}

/** Opens the viewer on `images` inside `el`; `status` receives progress and errors. */
export async function openViewer(store: Store, images: StudyImages, el: HTMLElement, status: (text: string, error?: boolean) => void): Promise<Viewer> {
  const { cpu } = await startCornerstone();
  const element = h('div', { class: 'viewport', 'data-testid': 'viewport', oncontextmenu: (e: Event) => e.preventDefault() });
  const sliceLabel = h('span', { class: 'slice', 'data-testid': 'slice' }, '');
  const seriesBar = h('div', { class: 'series-bar' });
  const tools = h(
    'div',
    { class: 'tools', role: 'toolbar' },
    ...PRIMARY_TOOLS.map(({ name, label }) =>
      h('button', { 'data-tool': name, onclick: () => choose(name) }, label),
    ),
  );
  mount(el, h('div', { class: 'viewer' }, tools, seriesBar, element, h('div', { class: 'viewport-footer' }, sliceLabel, h('span', { class: 'muted' }, cpu ? 'CPU rendering' : 'WebGL rendering'))));
  const choose = (name: string): void => {
    selectPrimaryTool(name);
    tools.querySelectorAll('button').forEach((b) => b.classList.toggle('active', b.dataset.tool === name));
  };
  choose('WindowLevel');

  const engine = getRenderingEngine(ENGINE_ID) ?? new RenderingEngine(ENGINE_ID);
  engine.enableElement({ viewportId: VIEWPORT_ID, type: Enums.ViewportType.STACK, element: element as HTMLDivElement });
  const toolGroup = ToolGroupManager.getToolGroup(TOOL_GROUP_ID);
  toolGroup?.addViewport(VIEWPORT_ID, ENGINE_ID);
  const viewport = engine.getViewport(VIEWPORT_ID) as Types.IStackViewport;

  // Every image of the study first: the bridge converts an annotation of any slice through that slice's plane,
  // which Cornerstone knows once the image has loaded (the files are small and come from the demo's origin).
  const all = images.series.flatMap((s) => s.imageIds);
  // On the first visit the service worker may still be installing: the images it does not see are not kept.
  await offlineReady();
  let loaded = 0;
  status(`Loading ${all.length} images…`);
  await Promise.all(
    all.map((id) =>
      imageLoader.loadAndCacheImage(id).then(() => {
        loaded += 1;
        if (loaded % 8 === 0 || loaded === all.length) status(`Loaded ${loaded}/${all.length} images`);
      }),
    ),
  );

  let current = images.series[0];
  const onNewImage = (): void => {
    const index = viewport.getCurrentImageIdIndex();
    sliceLabel.textContent = `${current?.description ?? ''} · image ${index + 1}/${current?.imageIds.length ?? 0}`;
  };
  element.addEventListener(Enums.Events.STACK_NEW_IMAGE, onNewImage);

  const showSeries = async (uid: string, index = 0): Promise<void> => {
    const series = images.series.find((s) => s.uid === uid);
    if (!series) return;
    current = series;
    seriesBar.querySelectorAll('button').forEach((b) => b.classList.toggle('active', b.dataset.series === uid));
    await viewport.setStack(series.imageIds, index);
    viewport.render();
    onNewImage();
  };
  mount(seriesBar, ...images.series.map((s) => h('button', { 'data-series': s.uid, onclick: () => void showSeries(s.uid) }, `${s.number ?? ''} ${s.description} (${s.imageIds.length})`)));
  const first = images.series[0];
  if (first) await showSeries(first.uid, Math.floor(first.imageIds.length / 2));

  const subject = images.study.subject?.reference;
  // How long the study's annotations take from the store onto the viewport (the first render after binding).
  const bindStart = performance.now();
  let shownMs: number | undefined;
  const timing = h('span', { class: 'muted', 'data-testid': 'annotations-timing' });
  el.querySelector('.viewport-footer')?.append(timing);
  const binding: AnnotationBinding = bindAnnotations(store, {
    annotationState: annotation.state,
    eventTarget,
    context: {
      image: (imageId) => {
        const identity = images.byImageId.get(imageId);
        const plane = metaData.get('imagePlaneModule', imageId) as ImagePlaneModule | undefined;
        if (!identity) return undefined;
        return { ...identity, ...(plane ? { imagePlane: plane } : {}), ...(plane?.frameOfReferenceUID ? { frameOfReferenceUid: plane.frameOfReferenceUID } : {}) };
      },
      imageId: (image) => images.bySop.get(image.sopInstanceUid),
      ...(subject ? { subject: { reference: subject } } : {}),
      imagingStudy: { reference: `ImagingStudy/${images.study.id}` },
    },
    query: { 'derived-from': `ImagingStudy/${images.study.id}` },
    groupSelector: element,
    render: () => {
      if (shownMs === undefined) {
        shownMs = performance.now() - bindStart;
        timing.textContent = `${annotation.state.getAllAnnotations().length} annotations from the store in ${Math.round(shownMs)} ms`;
      }
      toolUtilities.triggerAnnotationRenderForViewportIds([VIEWPORT_ID]);
    },
    onError: (e, uid) => {
      // A selection without a 2D region (key images) has nothing to draw: it is listed in the side panel only.
      const message = e instanceof Error ? e.message : String(e);
      if (/no 2D image region/.test(message)) return;
      status(`Annotation ${uid ?? ''}: ${message}`, true);
      console.warn('workstation: annotation', uid, e);
    },
  });
  status('');

  // A hook for the end-to-end test and for the curious: image pixel → page coordinates on the current image.
  (window as unknown as { workstation?: unknown }).workstation = {
    pagePointOfImagePixel(column: number, row: number): [number, number] {
      const imageId = viewport.getCurrentImageId();
      const world = utilities.imageToWorldCoords(imageId, [column, row]);
      if (!world) throw new Error(`no world position for ${imageId}`);
      const canvas = viewport.worldToCanvas(world as Types.Point3);
      const box = element.getBoundingClientRect();
      return [box.left + canvas[0], box.top + canvas[1]];
    },
    currentImageId: () => viewport.getCurrentImageId(),
    /** Milliseconds from binding to the first render of the store's annotations (undefined before). */
    annotationsShownMs: () => shownMs,
    /** Cornerstone's annotations: UID, tool and the image each is on. */
    annotations: () =>
      annotation.state.getAllAnnotations().map((a) => ({ uid: a.annotationUID, tool: a.metadata?.toolName, imageId: a.metadata?.referencedImageId })),
  };

  return {
    async show(sopInstanceUid) {
      const imageId = images.bySop.get(sopInstanceUid);
      const series = images.series.find((s) => imageId && s.imageIds.includes(imageId));
      if (!imageId || !series) return;
      const index = series.imageIds.indexOf(imageId);
      if (series !== current) await showSeries(series.uid, index);
      else await viewport.setImageIdIndex(index);
    },
    async close() {
      await binding.unbind();
      element.removeEventListener(Enums.Events.STACK_NEW_IMAGE, onNewImage);
      // Unbound first: clearing Cornerstone's state must not delete the selections.
      annotation.state.removeAllAnnotations();
      toolGroup?.removeViewports(ENGINE_ID, VIEWPORT_ID);
      engine.disableElement(VIEWPORT_ID);
    },
  };
}
