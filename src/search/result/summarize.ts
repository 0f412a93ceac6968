import type { Resource } from 'fhir/r5';
import { subset, type KeepElement } from './subset.js';

/**
 * `_summary` values that select content (`count` is handled by the search itself).
 * @see https://hl7.org/fhir/R5/search.html#summary
 */
export type SummaryMode = 'true' | 'text' | 'data' | 'false';

const ID_META = new Set(['id', 'meta']);

/** `_summary=true`: the Σ elements, plus id, meta and the mandatory and modifier top-level elements. */
const keepSummary: KeepElement = (e, f) =>
  (e !== undefined && ID_META.has(e)) || f.isSummary(e) || f.isMandatory(e) || f.isModifier(e);

/** `_summary=text`: id, meta, text and the mandatory top-level elements. */
const keepText: KeepElement = (e, f) => e === 'text' || (e !== undefined && ID_META.has(e)) || f.isMandatory(e);

/** `_summary=data`: everything but the narrative. */
const keepData: KeepElement = (e) => e !== 'text';

/**
 * Applies `_summary` to one resource and returns a new object (the input is never changed).
 *
 * - `true`: the elements marked isSummary, plus id, meta and the mandatory/modifier top-level elements;
 *   backbone elements are reduced to their Σ children (`ImagingSelection.instance` keeps `uid` and
 *   `number`, drops `sopClass`, `subset`, `imageRegion2D/3D`). Complex datatypes are kept whole.
 * - `text`: id, meta, text and the mandatory top-level elements.
 * - `data`: everything except `text`.
 * - `false`: an unchanged deep copy.
 *
 * A result from which anything was removed carries `meta.tag` SUBSETTED
 * (`http://terminology.hl7.org/CodeSystem/v3-ObservationValue`), added once.
 *
 * Element facts are exact for ImagingSelection (from its R5 StructureDefinition) and for Patient,
 * ImagingStudy, ServiceRequest, BodyStructure, Endpoint and Group (hand-written from R5). For any other
 * type only the Resource/DomainResource flags are known, so the rule is conservative: `true` drops only
 * language, text, contained and extension; `text` keeps id, meta, text and every type-specific element
 * (any of them may be mandatory); backbones are kept whole — a wrong summary is worse than a long one.
 * @see https://hl7.org/fhir/R5/search.html#summary
 */
export function summarize(resource: Resource, mode: SummaryMode): Resource {
  switch (mode) {
    case 'false':
      return structuredClone(resource);
    case 'data':
      return subset(resource, keepData, false);
    case 'text':
      return subset(resource, keepText, false);
    case 'true':
      return subset(resource, keepSummary, true);
  }
}
