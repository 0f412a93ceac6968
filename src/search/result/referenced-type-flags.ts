import type { FlagTable } from './flag-table.js';

/**
 * Hand-written Σ / min ≥ 1 / ?! facts for the resource types ImagingSelection refers to. The fhirpath R5
 * model knows their element names but not these flags. Transcribed from the hl7.fhir.r5.core
 * StructureDefinitions (5.0.0-draft-final, the package the ImagingSelection definition comes from) and
 * checked against the Firely SDK model generated from hl7.fhir.r5.core@5.0.0; where the two differ
 * (ServiceRequest.orderDetail, patientInstruction) the 5.0.0 final is used.
 * A test checks every name against the R5 model, so a typo cannot silently drop data.
 */

/** @see https://hl7.org/fhir/R5/patient.html#resource */
const PATIENT: FlagTable = {
  summary: [
    'identifier', 'active', 'name', 'telecom', 'gender', 'birthDate', 'deceased', 'address',
    'managingOrganization', 'link', 'link.modifierExtension', 'link.other', 'link.type',
  ],
  mandatory: [],
  modifier: ['active', 'deceased', 'link'],
};

/** @see https://hl7.org/fhir/R5/imagingstudy.html#resource */
const IMAGING_STUDY: FlagTable = {
  summary: [
    'identifier', 'status', 'modality', 'subject', 'encounter', 'started', 'basedOn', 'partOf', 'referrer',
    'endpoint', 'numberOfSeries', 'numberOfInstances', 'procedure', 'location', 'reason', 'note',
    'description',
    // series.instance is not Σ.
    'series', 'series.modifierExtension', 'series.uid', 'series.number', 'series.modality',
    'series.description', 'series.numberOfInstances', 'series.endpoint', 'series.bodySite',
    'series.laterality', 'series.specimen', 'series.started',
    'series.performer', 'series.performer.modifierExtension', 'series.performer.function',
    'series.performer.actor',
  ],
  mandatory: ['status', 'subject'],
  modifier: ['status'],
};

/** @see https://hl7.org/fhir/R5/servicerequest.html#resource */
const SERVICE_REQUEST: FlagTable = {
  summary: [
    'identifier', 'instantiatesCanonical', 'instantiatesUri', 'basedOn', 'replaces', 'requisition',
    'status', 'intent', 'category', 'priority', 'doNotPerform', 'code',
    // orderDetail.parameterFocus is not Σ.
    'orderDetail', 'orderDetail.modifierExtension', 'orderDetail.parameter',
    'orderDetail.parameter.modifierExtension', 'orderDetail.parameter.code', 'orderDetail.parameter.value',
    'quantity', 'subject', 'focus', 'encounter', 'occurrence', 'asNeeded', 'authoredOn', 'requester',
    'performerType', 'performer', 'location', 'reason', 'specimen', 'bodySite', 'bodyStructure',
  ],
  mandatory: ['status', 'intent', 'subject'],
  modifier: ['status', 'intent', 'doNotPerform'],
};

/** @see https://hl7.org/fhir/R5/bodystructure.html#resource */
const BODY_STRUCTURE: FlagTable = {
  summary: [
    'identifier', 'active', 'morphology', 'description', 'patient',
    // includedStructure is mandatory but not Σ: _summary=true keeps it, reduced to its Σ children.
    'includedStructure.modifierExtension', 'includedStructure.structure',
  ],
  mandatory: ['includedStructure', 'patient'],
  modifier: ['active'],
};

/** @see https://hl7.org/fhir/R5/endpoint.html#resource */
const ENDPOINT: FlagTable = {
  summary: [
    'identifier', 'status', 'connectionType', 'name', 'description', 'environmentType',
    'managingOrganization', 'period', 'address',
  ],
  mandatory: ['status', 'connectionType', 'address'],
  modifier: ['status'],
};

/** @see https://hl7.org/fhir/R5/group.html#resource */
const GROUP: FlagTable = {
  summary: [
    'identifier', 'active', 'type', 'membership', 'code', 'name', 'quantity', 'managingEntity',
    // characteristic.period is not Σ; member is not Σ.
    'characteristic', 'characteristic.modifierExtension', 'characteristic.code', 'characteristic.value',
    'characteristic.exclude',
  ],
  mandatory: ['type', 'membership'],
  modifier: ['active'],
};

/**
 * Flags of the resource types ImagingSelection refers to, by type (sources: see the top of this file).
 * @see https://hl7.org/fhir/R5/imagingselection.html#resource
 */
export const REFERENCED_TYPE_FLAGS: Readonly<Record<string, FlagTable>> = {
  Patient: PATIENT,
  ImagingStudy: IMAGING_STUDY,
  ServiceRequest: SERVICE_REQUEST,
  BodyStructure: BODY_STRUCTURE,
  Endpoint: ENDPOINT,
  Group: GROUP,
};
