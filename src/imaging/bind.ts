import type { ImagingSelection } from 'fhir/r5';
import type { Store } from '../store.js';
import type { CornerstoneAnnotation } from './annotation.js';
import { ANNOTATION_UID_SYSTEM } from './codes.js';
import type { ImagingContext } from './context.js';
import { annotationsFromSelection } from './from-selection.js';
import { MAPPED_TOOLS, selectionFromAnnotation } from './to-selection.js';

/** Cornerstone's `annotation.state` module (`@cornerstonejs/tools`), as far as the binding uses it. */
export interface AnnotationStateLike {
  /** The annotation with this UID, if the state has it. */
  getAnnotation(annotationUID: string): CornerstoneAnnotation | undefined;
  /** Adds an annotation (under `groupSelector`: an element or a group key). */
  addAnnotation(annotation: CornerstoneAnnotation, groupSelector?: unknown): unknown;
  /** Removes an annotation; Cornerstone then sends ANNOTATION_REMOVED. */
  removeAnnotation(annotationUID: string): void;
}

/** Cornerstone's `eventTarget` (`@cornerstonejs/core`): where the tools' annotation events are dispatched. */
export interface EventTargetLike {
  /** Listens to an event type; the event's `detail.annotation` is the annotation. */
  addEventListener(type: string, listener: (event: Event) => void): void;
  /** Stops listening. */
  removeEventListener(type: string, listener: (event: Event) => void): void;
}

/** The names of Cornerstone's annotation events (`Enums.Events` of `@cornerstonejs/tools`). */
export const ANNOTATION_EVENTS = {
  /** A tool starts drawing an annotation (or one is added to an element). */
  added: 'CORNERSTONE_TOOLS_ANNOTATION_ADDED',
  /** An annotation changed: every mouse move of a drag, a label, undo/redo. */
  modified: 'CORNERSTONE_TOOLS_ANNOTATION_MODIFIED',
  /** A drawing ended. */
  completed: 'CORNERSTONE_TOOLS_ANNOTATION_COMPLETED',
  /** An annotation was removed. */
  removed: 'CORNERSTONE_TOOLS_ANNOTATION_REMOVED',
} as const;

/** Options of {@link bindAnnotations}. */
export interface BindOptions {
  /** Cornerstone's `annotation.state`. */
  annotationState: AnnotationStateLike;
  /** Cornerstone's `eventTarget`. */
  eventTarget: EventTargetLike;
  /** The mapping's context (images, planes or Cornerstone's utilities, subject, ImagingStudy). */
  context: ImagingContext;
  /**
   * The selections to show, as search parameters (e.g. `{ 'derived-from': 'ImagingStudy/s1' }`); default: all.
   * `_count` defaults to 1000: the binding shows the first page.
   */
  query?: Record<string, string | string[]>;
  /** Passed to `annotationState.addAnnotation` for annotations brought from the store. */
  groupSelector?: unknown;
  /**
   * How long (ms) an annotation must stay unmodified before its modification is written. Cornerstone sends
   * ANNOTATION_MODIFIED on every mouse move of a drag and nothing when the drag ends, so a quiet spell is
   * what ends an edit. Default 300.
   */
  settleMs?: number;
  /** Called after annotations were changed from the store (e.g. `triggerAnnotationRenderForViewportIds`). */
  render?: () => void;
  /** A mapping or store failure; the binding goes on. Default: none (the failure is dropped). */
  onError?: (error: unknown, annotationUID: string | undefined) => void;
  /** Timers, for tests with virtual time. Default: the platform's. */
  timers?: {
    /** Runs `fn` after `ms`; returns a handle for `clearTimeout`. */
    setTimeout(fn: () => void, ms: number): unknown;
    /** Cancels a handle of `setTimeout`. */
    clearTimeout(handle: unknown): void;
  };
}

/** A live binding; {@link AnnotationBinding.unbind} detaches it. */
export interface AnnotationBinding {
  /**
   * Stores one annotation now (an annotation added by code, e.g. a tool's `hydrate`, sends only
   * ANNOTATION_ADDED, which the binding does not write because a drawing annotation sends it too).
   */
  save(annotation: CornerstoneAnnotation): Promise<void>;
  /** Resolves when every write started so far has settled. */
  settled(): Promise<void>;
  /** Writes what is still waiting for its quiet spell, removes every listener and stops watching the store. */
  unbind(): Promise<void>;
}

/** A JSON value with object keys in sorted order, so two resources compare by content, not key order. */
const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : typeof value === 'object' && value !== null
      ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]))
      : value;

/**
 * The elements `selectionFromAnnotation` writes (or leaves out on purpose). The others (`issued`, `performer`,
 * `basedOn`, `category`, `bodySite`, `focus`, `endpoint`, …) are not the annotation's to say: an edit keeps them
 * from the stored version. `text` is not kept either: a narrative of the old content would no longer be true.
 */
const MAPPED_ELEMENTS = new Set(['resourceType', 'id', 'meta', 'text', 'extension', 'identifier', 'status', 'subject', 'code', 'studyUid', 'derivedFrom', 'seriesUid', 'frameOfReferenceUid', 'instance']);

/** Whether two selections say the same, `meta` (version, time) left out. */
const sameContent = (a: ImagingSelection, b: ImagingSelection): boolean => {
  const { meta: _a, ...ca } = a;
  const { meta: _b, ...cb } = b;
  return JSON.stringify(canonical(ca)) === JSON.stringify(canonical(cb));
};

/** A FHIR id is `[A-Za-z0-9\-\.]{1,64}`: an annotation UID (a UUID) is one, and names its selection. */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * Keeps Cornerstone3D's annotations and the store's ImagingSelections in step. An annotation completed
 * (ANNOTATION_COMPLETED), modified (ANNOTATION_MODIFIED, written once the edit settles: one write per edit, not
 * per mouse move) or removed (ANNOTATION_REMOVED) in Cornerstone becomes an update-as-create or a delete of the
 * selection whose id is its annotation UID; `store.watch(query)` brings selections written elsewhere (another
 * tab, a pull from the server) onto the annotation state, and removes those deleted. Tools the bridge does not
 * map are left alone.
 * @see https://hl7.org/fhir/R5/http.html#update
 */
export function bindAnnotations(store: Store, options: BindOptions): AnnotationBinding {
  const { annotationState, eventTarget, context } = options;
  const settleMs = options.settleMs ?? 300;
  const timers = options.timers ?? { setTimeout: (fn: () => void, ms: number): unknown => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>) };
  const mapped = new Set<string>(MAPPED_TOOLS);
  /** Annotations being drawn: ADDED seen, COMPLETED not yet (their MODIFIED events are the drawing itself). */
  const drawing = new Set<string>();
  /** The version this binding wrote last of each selection: the watch does not bring it back. */
  const written = new Map<string, string | undefined>();
  /** The annotations stored from here or shown from the store, by UID: a removal of one deletes its selection. */
  const known = new Set<string>();
  /** The selections a watch emission has held: only these are removed when an emission no longer holds them. */
  const shown = new Set<string>();
  /** The annotations shown for each selection made elsewhere, by selection id; and all their UIDs. */
  const parts = new Map<string, string[]>();
  const readOnly = new Set<string>();
  /** Store work queued or running, per UID. */
  const inflight = new Map<string, number>();
  const pending = new Map<string, unknown>();
  /** The selection each bound annotation was last made from or stored as: what a local edit is measured against. */
  const base = new Map<string, ImagingSelection>();
  const chains = new Map<string, Promise<void>>();
  let applying = false;
  let closed = false;

  const fail = (error: unknown, uid: string | undefined): void => options.onError?.(error, uid);

  /** Takes the read-only annotations of a selection made elsewhere off the state (inside `applying`). */
  const removeParts = (id: string): boolean => {
    const uids = parts.get(id);
    if (!uids) return false;
    parts.delete(id);
    for (const u of uids) {
      readOnly.delete(u);
      if (annotationState.getAnnotation(u)) annotationState.removeAnnotation(u);
    }
    return true;
  };

  /** Runs store work for one UID after the work already queued for it: creates, updates and deletes stay in order. */
  const enqueue = (uid: string, work: () => Promise<void>): Promise<void> => {
    inflight.set(uid, (inflight.get(uid) ?? 0) + 1);
    const next = (chains.get(uid) ?? Promise.resolve())
      .then(work)
      .catch((e: unknown) => fail(e, uid))
      .finally(() => {
        const n = (inflight.get(uid) ?? 1) - 1;
        if (n === 0) inflight.delete(uid);
        else inflight.set(uid, n);
      });
    chains.set(uid, next);
    return next;
  };

  /**
   * The selection an annotation maps to, with the elements it does not map kept from `from`; undefined when it
   * cannot be mapped (the write reports why).
   */
  const asSelection = (annotation: CornerstoneAnnotation, uid: string, from: ImagingSelection | undefined): ImagingSelection | undefined => {
    try {
      const kept = Object.fromEntries(Object.entries(from ?? {}).filter(([k]) => !MAPPED_ELEMENTS.has(k)));
      return { ...kept, ...selectionFromAnnotation(annotation, context), id: uid };
    } catch {
      return undefined;
    }
  };

  /**
   * Whether the annotation says something its base selection does not: a real edit here. Cornerstone also sends
   * ANNOTATION_MODIFIED when it only recomputes statistics; such a modification must neither be written nor hold
   * back a change from the store (it would then write the old state over the newer one).
   */
  const editedHere = (uid: string): boolean => {
    const from = base.get(uid);
    const annotation = annotationState.getAnnotation(uid);
    if (!from || !annotation) return true;
    const now = asSelection(annotation, uid, from);
    return now === undefined || !sameContent(from, now);
  };

  const write = (annotation: CornerstoneAnnotation): Promise<void> => {
    const uid = annotation.annotationUID;
    if (!uid || readOnly.has(uid) || !mapped.has(annotation.metadata?.toolName ?? '')) return Promise.resolve();
    if (!FHIR_ID.test(uid)) {
      fail(new Error(`annotation UID ${uid} is not a FHIR id`), uid);
      return Promise.resolve();
    }
    known.add(uid);
    return enqueue(uid, async () => {
      // Mapped when the write runs, so it stores the annotation as it is then.
      const current = await store.read<ImagingSelection>('ImagingSelection', uid).catch(() => undefined);
      const kept = Object.fromEntries(Object.entries(current ?? {}).filter(([k]) => !MAPPED_ELEMENTS.has(k)));
      const selection: ImagingSelection = { ...kept, ...selectionFromAnnotation(annotation, context), id: uid };
      // Cornerstone sends ANNOTATION_MODIFIED for more than edits (statistics recomputed when an image is shown
      // again, a selection highlighted): a write that would change nothing is no new version, which a server
      // would otherwise see as an edit, and another workstation's edit of it as a conflict.
      if (current && sameContent(current, selection)) return;
      // Nothing edited since the version this annotation was made from, while the store has moved on: the store's
      // newer version is shown (by the watch), not overwritten with the old state.
      const from = base.get(uid);
      if (current && from && current.meta?.versionId !== from.meta?.versionId) {
        const mine = asSelection(annotation, uid, from);
        if (mine && sameContent(from, mine)) return;
      }
      const stored = await store.update(selection);
      written.set(uid, stored.meta?.versionId);
      base.set(uid, stored);
    });
  };

  const flush = (uid: string): void => {
    const handle = pending.get(uid);
    if (handle === undefined) return;
    timers.clearTimeout(handle);
    pending.delete(uid);
    const annotation = annotationState.getAnnotation(uid);
    if (annotation) void write(annotation);
  };

  const settleLater = (uid: string): void => {
    const handle = pending.get(uid);
    if (handle !== undefined) timers.clearTimeout(handle);
    pending.set(uid, timers.setTimeout(() => flush(uid), settleMs));
  };

  const annotationOf = (event: Event): CornerstoneAnnotation | undefined => (event as CustomEvent<{ annotation?: CornerstoneAnnotation }>).detail?.annotation;

  const listeners: Record<string, (event: Event) => void> = {
    [ANNOTATION_EVENTS.added]: (event) => {
      const uid = annotationOf(event)?.annotationUID;
      if (!applying && uid && !known.has(uid)) drawing.add(uid);
    },
    [ANNOTATION_EVENTS.completed]: (event) => {
      const annotation = annotationOf(event);
      if (applying || !annotation?.annotationUID) return;
      drawing.delete(annotation.annotationUID);
      const handle = pending.get(annotation.annotationUID);
      if (handle !== undefined) timers.clearTimeout(handle);
      pending.delete(annotation.annotationUID);
      void write(annotation);
    },
    [ANNOTATION_EVENTS.modified]: (event) => {
      const annotation = annotationOf(event);
      const uid = annotation?.annotationUID;
      if (applying || !uid || drawing.has(uid) || readOnly.has(uid) || !mapped.has(annotation.metadata?.toolName ?? '')) return;
      settleLater(uid);
    },
    [ANNOTATION_EVENTS.removed]: (event) => {
      const uid = annotationOf(event)?.annotationUID;
      if (applying || !uid || readOnly.has(uid)) return;
      drawing.delete(uid);
      const handle = pending.get(uid);
      if (handle !== undefined) timers.clearTimeout(handle);
      pending.delete(uid);
      if (!known.has(uid)) return;
      known.delete(uid);
      written.delete(uid);
      base.delete(uid);
      void enqueue(uid, () => store.delete('ImagingSelection', uid));
    },
  };
  for (const [type, listener] of Object.entries(listeners)) eventTarget.addEventListener(type, listener);

  /** Puts the store's selections onto the annotation state: new ones added, changed ones updated, gone ones removed. */
  const apply = (selections: ImagingSelection[]): void => {
    if (closed) return;
    const seen = new Set<string>();
    let changed = false;
    applying = true;
    try {
      for (const selection of selections) {
        const uid = selection.id;
        if (!uid) continue;
        seen.add(uid);
        shown.add(uid);
        // Our own write coming back, or an edit in progress here: the annotation state already has it.
        if (written.has(uid) && written.get(uid) === selection.meta?.versionId) continue;
        // A modification waiting for its quiet spell that edits nothing (statistics recomputed) gives way.
        if (pending.has(uid) && !drawing.has(uid) && !editedHere(uid)) {
          timers.clearTimeout(pending.get(uid));
          pending.delete(uid);
        }
        if (pending.has(uid) || drawing.has(uid) || inflight.has(uid)) continue;
        let annotations: CornerstoneAnnotation[];
        try {
          annotations = annotationsFromSelection(selection, context);
        } catch (e) {
          fail(e, uid);
          continue;
        }
        if (!selection.identifier?.some((i) => i.system === ANNOTATION_UID_SYSTEM && i.value === uid)) {
          // A selection made elsewhere (not from an annotation of this id): shown read-only, as the annotations
          // it draws (several when it has several regions or frames), replaced whole when it changes.
          removeParts(uid);
          const uids = annotations.map((a, k) => a.annotationUID ?? `${uid}.${k}`);
          annotations.forEach((a, k) => annotationState.addAnnotation({ ...a, annotationUID: uids[k]! }, options.groupSelector));
          uids.forEach((u) => readOnly.add(u));
          parts.set(uid, uids);
          written.set(uid, selection.meta?.versionId);
          changed = true;
          continue;
        }
        const next = { ...annotations[0]!, annotationUID: uid };
        const current = annotationState.getAnnotation(uid);
        if (current) {
          current.data = next.data;
          current.metadata = next.metadata;
          current.invalidated = true;
        } else {
          annotationState.addAnnotation(next, options.groupSelector);
        }
        known.add(uid);
        written.set(uid, selection.meta?.versionId);
        base.set(uid, selection);
        changed = true;
      }
      for (const uid of [...shown]) {
        if (seen.has(uid) || pending.has(uid) || inflight.has(uid)) continue;
        shown.delete(uid);
        known.delete(uid);
        written.delete(uid);
        base.delete(uid);
        if (removeParts(uid)) changed = true;
        else if (annotationState.getAnnotation(uid)) {
          annotationState.removeAnnotation(uid);
          changed = true;
        }
      }
    } finally {
      applying = false;
    }
    if (changed) options.render?.();
  };

  const subscription = store.watch('ImagingSelection', { _count: '1000', ...options.query }).subscribe({
    next: (bundle) => apply((bundle.entry ?? []).map((e) => e.resource as ImagingSelection).filter((r) => r?.resourceType === 'ImagingSelection')),
    error: (e: unknown) => fail(e, undefined),
  });

  const settled = async (): Promise<void> => {
    // Work may queue more work meanwhile: wait until a round finds nothing new.
    for (;;) {
      const now = [...chains.values()];
      await Promise.all(now);
      const after = [...chains.values()];
      if (after.length === now.length && after.every((p, i) => p === now[i])) return;
    }
  };

  return {
    save: (annotation) => {
      if (annotation.annotationUID) drawing.delete(annotation.annotationUID);
      return write(annotation);
    },
    settled,
    async unbind() {
      if (closed) return;
      closed = true;
      for (const uid of [...pending.keys()]) flush(uid);
      for (const [type, listener] of Object.entries(listeners)) eventTarget.removeEventListener(type, listener);
      subscription.unsubscribe();
      await settled();
    },
  };
}
