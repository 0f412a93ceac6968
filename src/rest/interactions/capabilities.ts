import type { CapabilityStatement, CapabilityStatementRestResource } from 'fhir/r5';
import { R5_RESOURCE_TYPES } from '../../model/resource-types.js';
import type { SearchRegistry } from '../../search/parameters/registry.js';
import type { EngineContext } from '../context.js';
import type { Outcome } from '../outcome.js';

/**
 * Types the selections point at (ImagingSelection's reference targets): what the server's subscription topic covers besides ImagingSelection.
 * @see https://hl7.org/fhir/R5/imagingselection.html
 */
export const REFERENCED_TYPES: readonly string[] = [
  'Appointment', 'AppointmentResponse', 'BodyStructure', 'CarePlan', 'CareTeam', 'Device', 'DocumentReference', 'Endpoint',
  'Group', 'HealthcareService', 'ImagingStudy', 'Location', 'Medication', 'Organization', 'Patient', 'Practitioner',
  'PractitionerRole', 'Procedure', 'RelatedPerson', 'ServiceRequest', 'Specimen', 'Substance', 'Task',
];

const INTERACTIONS: CapabilityStatementRestResource['interaction'] = [
  'read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type',
].map((code) => ({ code: code as NonNullable<CapabilityStatementRestResource['interaction']>[number]['code'] }));

function resourceEntry(registry: SearchRegistry, type: string, documentation?: string): CapabilityStatementRestResource {
  return {
    type: type as CapabilityStatementRestResource['type'],
    ...(documentation ? { documentation } : {}),
    interaction: INTERACTIONS,
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalRead: 'full-support',
    conditionalUpdate: true,
    conditionalPatch: true,
    conditionalDelete: 'single',
    referencePolicy: ['literal', 'logical'],
    searchInclude: [`${type}:*`, ...registry.referenceParameterCodes(type).filter((code) => code !== '_profile').map((code) => `${type}:${code}`)],
    searchRevInclude: ['*'],
    searchParam: [...registry.forType(type).values()]
      .filter((p) => SUPPORTED_TYPES.has(p.type) || SPECIALS.has(p.code))
      .map((p) => ({ name: p.code, definition: p.url, type: p.type, documentation: p.description })),
  };
}

const SUPPORTED_TYPES = new Set(['token', 'reference', 'date', 'string', 'uri']);
const SPECIALS = new Set(['_text', '_content', '_has']);

/**
 * capabilities: a CapabilityStatement that says what this store does, and only that.
 * @see https://hl7.org/fhir/R5/http.html#capabilities
 */
export function capabilities(ctx: EngineContext): Outcome {
  const statement: CapabilityStatement = {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: ctx.clock().toISOString(),
    kind: 'instance',
    software: { name: 'fhir-offline-store', version: '0.1.0' },
    implementation: { description: 'Embedded offline-first FHIR R5 store', url: ctx.baseUrl },
    fhirVersion: '5.0.0',
    format: ['application/fhir+json'],
    patchFormat: ['application/json-patch+json', 'application/fhir+json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Every resource is validated against its R5 StructureDefinition before every write (types, cardinality, primitive formats, required bindings). ' +
          'Search is answered from indexes on the client: every listed parameter with the modifiers and prefixes in docs/search.md, chaining, _has, _include/_revinclude (:iterate), _sort, _count with keyset paging, _total, _summary, _elements, _text and _content. Unknown parameters answer 400 unless Prefer: handling=lenient.',
        resource: [
          resourceEntry(ctx.registry, 'ImagingSelection', 'Validated against the R5 ImagingSelection definition'),
          ...REFERENCED_TYPES.map((t) => resourceEntry(ctx.registry, t, 'Referenced by ImagingSelection; validated against its R5 definition')),
          ...[...R5_RESOURCE_TYPES]
            .filter((t) => t !== 'ImagingSelection' && !REFERENCED_TYPES.includes(t))
            .map((t) => resourceEntry(ctx.registry, t, 'Validated against its R5 definition')),
        ],
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'history-system' }, { code: 'search-system' }],
      },
    ],
  };
  return { status: 200, resource: statement };
}
