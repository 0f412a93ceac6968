import type { CompiledStructure } from './compiled-structure.js';
import { describeJsonType, isJsonObject, ownValue } from './json-shape.js';
import { isResourceType } from '../resource-types.js';
import { loadedR5Structure } from './r5-structures.js';
import { GENERIC_RESOURCE_STRUCTURE, IMAGING_SELECTION_STRUCTURE } from './structures.js';
import type { WalkContext } from './walk-context.js';
import { walkStructure } from './walk-elements.js';

/** R5 resource type names: an upper-case letter, then letters. @see https://hl7.org/fhir/R5/resourcelist.html */
const RESOURCE_TYPE_PATTERN = /^[A-Z][A-Za-z]+$/;

/** Names the resource root in expressions while its type is unknown. */
const UNKNOWN_ROOT = 'Resource';

/**
 * Validates one resource, top-level (`path` undefined: the root is named by its resourceType) or
 * nested (at `path`, e.g. `ImagingSelection.contained[0]`, `Bundle.entry[0].resource`; `contained` adds the
 * dom-2/4/5 rules). Every R5 resource type is validated element by element against its StructureDefinition.
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
  walkStructure(structureOf(resourceType), value, root, ctx);
}

/**
 * The structure a resource is walked with: ImagingSelection's own table (always loaded), the generated table of
 * any other R5 type (loaded with `loadValidation`), and for a name that is no R5 type (refused elsewhere, a 404
 * at the REST layer) the shared Resource elements and the JSON shape.
 */
function structureOf(resourceType: unknown): CompiledStructure {
  if (resourceType === 'ImagingSelection') return IMAGING_SELECTION_STRUCTURE;
  if (typeof resourceType === 'string' && isResourceType(resourceType)) return loadedR5Structure(resourceType) ?? GENERIC_RESOURCE_STRUCTURE;
  return GENERIC_RESOURCE_STRUCTURE;
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
