import { describeJsonType, isJsonObject, ownValue } from './json-shape.js';
import { GENERIC_RESOURCE_STRUCTURE, IMAGING_SELECTION_STRUCTURE } from './structures.js';
import type { WalkContext } from './walk-context.js';
import { walkStructure } from './walk-elements.js';

/** R5 resource type names: an upper-case letter, then letters. @see https://hl7.org/fhir/R5/resourcelist.html */
const RESOURCE_TYPE_PATTERN = /^[A-Z][A-Za-z]+$/;

/** Names the resource root in expressions while its type is unknown. */
const UNKNOWN_ROOT = 'Resource';

/**
 * Validates one resource, top-level (`path` undefined: the root is named by its resourceType) or
 * contained (at `path`, e.g. `ImagingSelection.contained[0]`). ImagingSelection is validated element
 * by element; any other type by its shared Resource/DomainResource elements and JSON shape.
 * @see https://hl7.org/fhir/R5/resource.html
 * @see https://hl7.org/fhir/R5/json.html
 */
export function walkResource(value: unknown, path: string | undefined, ctx: WalkContext, contained: boolean): void {
  if (!isJsonObject(value)) {
    ctx.issues.structure(path ?? UNKNOWN_ROOT, `A resource must be a JSON object, found ${describeJsonType(value)}`);
    return;
  }
  const resourceType = ownValue(value, 'resourceType');
  let root = path;
  if (typeof resourceType !== 'string') {
    root ??= UNKNOWN_ROOT;
    ctx.issues.structure(
      `${root}.resourceType`,
      resourceType === undefined ? 'resourceType is missing' : `resourceType must be a string, found ${describeJsonType(resourceType)}`,
    );
  } else if (!RESOURCE_TYPE_PATTERN.test(resourceType)) {
    root ??= UNKNOWN_ROOT;
    ctx.issues.value(`${root}.resourceType`, `'${resourceType}' is not a valid resource type name`);
  }
  root ??= resourceType as string;

  if (contained) checkContainedRules(value, root, ctx);
  const structure = resourceType === 'ImagingSelection' ? IMAGING_SELECTION_STRUCTURE : GENERIC_RESOURCE_STRUCTURE;
  walkStructure(structure, value, root, ctx);
}

/**
 * dom-2, dom-4 and dom-5, which constrain a resource once it is contained: no nested contained
 * resources, no meta.versionId / meta.lastUpdated, no security labels.
 * @see https://hl7.org/fhir/R5/domainresource.html
 * @see https://hl7.org/fhir/R5/references.html#contained
 */
function checkContainedRules(resource: Record<string, unknown>, path: string, ctx: WalkContext): void {
  if (ownValue(resource, 'contained') !== undefined) {
    ctx.issues.invariant(`${path}.contained`, 'dom-2: a contained resource SHALL NOT contain nested resources');
  }
  const meta = ownValue(resource, 'meta');
  if (!isJsonObject(meta)) return;
  for (const key of ['versionId', 'lastUpdated'] as const) {
    if (ownValue(meta, key) !== undefined || ownValue(meta, `_${key}`) !== undefined) {
      ctx.issues.invariant(`${path}.meta.${key}`, `dom-4: a contained resource SHALL NOT have a meta.${key}`);
    }
  }
  if (ownValue(meta, 'security') !== undefined) {
    ctx.issues.invariant(`${path}.meta.security`, 'dom-5: a contained resource SHALL NOT have a security label');
  }
}
