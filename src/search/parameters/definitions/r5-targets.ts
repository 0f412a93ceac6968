import type { SearchParameter } from 'fhir/r5';
import { asSearchParameters, type SearchParameterJson } from './search-parameter-json.js';

/*
 * Data only. R5 (5.0.0) SearchParameters of the resources an ImagingSelection points at. url, code, type,
 * expression and target are R5's (checked against hl7.fhir.r5.core); the rest of the metadata is trimmed.
 * Where R5 defines a multi-resource parameter (clinical-identifier, clinical-patient, individual-family…),
 * the entry keeps that parameter's url but only the branch and base of the one type listed here; its id gets
 * the type as a suffix so ids stay unique.
 */

const WORLD = [{ coding: [{ system: 'http://unstats.un.org/unsd/methods/m49/m49.htm', code: '001', display: 'World' }] }];
const DATE_COMPARATORS: SearchParameterJson['comparator'] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sa', 'eb', 'ap'];

interface Entry {
  id: string;
  /** R5 id of the (possibly multi-resource) SearchParameter; defaults to `id`. */
  r5id?: string;
  code: string;
  base: string;
  type: SearchParameterJson['type'];
  expression: string;
  description: string;
  target?: string[];
  /** Normative parameters are `active` in R5, trial-use ones `draft`. */
  status: 'active' | 'draft';
  publisher: string;
  experimental?: boolean;
}

const PA = 'Health Level Seven International (Patient Administration)';
const II = 'Health Level Seven International (Imaging Integration)';
const OO = 'Health Level Seven International (Orders and Observations)';
const FHIR_I = 'Health Level Seven International (FHIR Infrastructure)';

function r5(e: Entry): SearchParameterJson {
  const sp: SearchParameterJson = {
    resourceType: 'SearchParameter',
    id: e.id,
    url: `http://hl7.org/fhir/SearchParameter/${e.r5id ?? e.id}`,
    version: '5.0.0',
    name: e.code,
    status: e.status,
    experimental: e.experimental ?? false,
    date: '2023-03-26T15:21:02+11:00',
    publisher: e.publisher,
    description: e.description,
    jurisdiction: WORLD,
    code: e.code,
    base: [e.base],
    type: e.type,
    expression: e.expression,
    processingMode: 'normal',
  };
  if (e.target !== undefined) sp.target = e.target;
  if (e.type === 'date') sp.comparator = DATE_COMPARATORS;
  return sp;
}

/**
 * Patient: identifier, name, family, given, birthdate, gender.
 * @see https://hl7.org/fhir/R5/patient.html#search
 */
const PATIENT: SearchParameterJson[] = (
  [
  { id: 'Patient-identifier', code: 'identifier', base: 'Patient', type: 'token', expression: 'Patient.identifier', description: 'A patient identifier', status: 'active', publisher: PA },
  { id: 'Patient-name', code: 'name', base: 'Patient', type: 'string', expression: 'Patient.name', description: 'A server defined search that may match any of the string fields in the HumanName, including family, given, prefix, suffix, and/or text', status: 'active', publisher: PA },
  { id: 'individual-family-Patient', r5id: 'individual-family', code: 'family', base: 'Patient', type: 'string', expression: 'Patient.name.family', description: 'A portion of the family name of the patient', status: 'active', publisher: PA },
  { id: 'individual-given-Patient', r5id: 'individual-given', code: 'given', base: 'Patient', type: 'string', expression: 'Patient.name.given', description: 'A portion of the given name of the patient', status: 'active', publisher: PA },
  { id: 'individual-birthdate-Patient', r5id: 'individual-birthdate', code: 'birthdate', base: 'Patient', type: 'date', expression: 'Patient.birthDate', description: "The patient's date of birth", status: 'active', publisher: PA },
  { id: 'individual-gender-Patient', r5id: 'individual-gender', code: 'gender', base: 'Patient', type: 'token', expression: 'Patient.gender', description: 'Gender of the patient', status: 'active', publisher: PA },
  ] satisfies Entry[]
).map(r5);

/**
 * ImagingStudy: identifier, patient, subject, started, status, modality (R5: `series.modality`, a CodeableConcept).
 * @see https://hl7.org/fhir/R5/imagingstudy.html#search
 */
const IMAGING_STUDY: SearchParameterJson[] = (
  [
  { id: 'clinical-identifier-ImagingStudy', r5id: 'clinical-identifier', code: 'identifier', base: 'ImagingStudy', type: 'token', expression: 'ImagingStudy.identifier', description: 'Identifiers for the Study, such as DICOM Study Instance UID', status: 'draft', publisher: PA },
  { id: 'clinical-patient-ImagingStudy', r5id: 'clinical-patient', code: 'patient', base: 'ImagingStudy', type: 'reference', expression: 'ImagingStudy.subject.where(resolve() is Patient)', target: ['Patient'], description: 'Who the study is about', status: 'draft', publisher: PA },
  { id: 'ImagingStudy-subject', code: 'subject', base: 'ImagingStudy', type: 'reference', expression: 'ImagingStudy.subject', target: ['Device', 'Group', 'Patient'], description: 'Who the study is about', status: 'draft', publisher: II },
  { id: 'ImagingStudy-started', code: 'started', base: 'ImagingStudy', type: 'date', expression: 'ImagingStudy.started', description: 'When the study was started', status: 'draft', publisher: II },
  { id: 'ImagingStudy-status', code: 'status', base: 'ImagingStudy', type: 'token', expression: 'ImagingStudy.status', description: 'The status of the study', status: 'draft', publisher: II },
  { id: 'ImagingStudy-modality', code: 'modality', base: 'ImagingStudy', type: 'token', expression: 'ImagingStudy.series.modality', description: 'The modality of the series', status: 'draft', publisher: II },
  ] satisfies Entry[]
).map(r5);

/**
 * ServiceRequest: identifier, patient, subject, code-concept, status. R5 has no `code` parameter here: the
 * code, now a CodeableReference, is searched as `code-concept` (and `code-reference`); see SERVICE_REQUEST_CODE.
 * @see https://hl7.org/fhir/R5/servicerequest.html#search
 */
const SERVICE_REQUEST: SearchParameterJson[] = (
  [
  { id: 'clinical-identifier-ServiceRequest', r5id: 'clinical-identifier', code: 'identifier', base: 'ServiceRequest', type: 'token', expression: 'ServiceRequest.identifier', description: 'Identifiers assigned to this order', status: 'draft', publisher: PA },
  { id: 'clinical-patient-ServiceRequest', r5id: 'clinical-patient', code: 'patient', base: 'ServiceRequest', type: 'reference', expression: 'ServiceRequest.subject.where(resolve() is Patient)', target: ['Patient'], description: 'Search by subject - a patient', status: 'draft', publisher: PA },
  { id: 'ServiceRequest-subject', code: 'subject', base: 'ServiceRequest', type: 'reference', expression: 'ServiceRequest.subject', target: ['Device', 'Group', 'Location', 'Patient'], description: 'Search by subject', status: 'draft', publisher: OO },
  { id: 'ServiceRequest-code-concept', code: 'code-concept', base: 'ServiceRequest', type: 'token', expression: 'ServiceRequest.code.concept', description: 'What is being requested/ordered', status: 'draft', publisher: OO },
  { id: 'ServiceRequest-status', code: 'status', base: 'ServiceRequest', type: 'token', expression: 'ServiceRequest.status', description: 'draft | active | on-hold | revoked | completed | entered-in-error | unknown', status: 'draft', publisher: OO },
  ] satisfies Entry[]
).map(r5);

/**
 * BodyStructure: identifier, patient.
 * @see https://hl7.org/fhir/R5/bodystructure.html#search
 */
const BODY_STRUCTURE: SearchParameterJson[] = (
  [
  { id: 'clinical-identifier-BodyStructure', r5id: 'clinical-identifier', code: 'identifier', base: 'BodyStructure', type: 'token', expression: 'BodyStructure.identifier', description: 'Bodystructure identifier', status: 'draft', publisher: PA },
  { id: 'clinical-patient-BodyStructure', r5id: 'clinical-patient', code: 'patient', base: 'BodyStructure', type: 'reference', expression: 'BodyStructure.patient', target: ['Patient'], description: 'Who this is about', status: 'draft', publisher: PA },
  ] satisfies Entry[]
).map(r5);

/**
 * Endpoint: identifier, name.
 * @see https://hl7.org/fhir/R5/endpoint.html#search
 */
const ENDPOINT: SearchParameterJson[] = (
  [
  { id: 'Endpoint-identifier', code: 'identifier', base: 'Endpoint', type: 'token', expression: 'Endpoint.identifier', description: 'Identifies this endpoint across multiple systems', status: 'draft', publisher: PA },
  { id: 'Endpoint-name', code: 'name', base: 'Endpoint', type: 'string', expression: 'Endpoint.name', description: 'A name that this endpoint can be identified by', status: 'draft', publisher: PA },
  ] satisfies Entry[]
).map(r5);

/**
 * Group: identifier.
 * @see https://hl7.org/fhir/R5/group.html#search
 */
const GROUP: SearchParameterJson[] = (
  [
  { id: 'Group-identifier', code: 'identifier', base: 'Group', type: 'token', expression: 'Group.identifier', description: 'Unique id', status: 'draft', publisher: FHIR_I, experimental: true },
  ] satisfies Entry[]
).map(r5);

/**
 * The R5 SearchParameters of Patient, ImagingStudy, ServiceRequest, BodyStructure, Endpoint and Group used by
 * this store, one entry per (parameter, type).
 * @see https://hl7.org/fhir/R5/searchparameter-registry.html
 */
export const R5_TARGET_SEARCH_PARAMETERS: SearchParameter[] = asSearchParameters([...PATIENT, ...IMAGING_STUDY, ...SERVICE_REQUEST, ...BODY_STRUCTURE, ...ENDPOINT, ...GROUP]);

/**
 * Project alias: `ServiceRequest?code=` as clients used it up to R4 (clinical-code on `ServiceRequest.code`).
 * R5 made ServiceRequest.code a CodeableReference and renamed the parameter `code-concept`; this keeps
 * `code` working with the same R5 meaning (`ServiceRequest.code.concept`), under the project's own URL since
 * R5 publishes no such parameter.
 * @see https://hl7.org/fhir/R5/servicerequest-definitions.html#ServiceRequest.code
 */
export const SERVICE_REQUEST_CODE: SearchParameter = asSearchParameters([
  {
    resourceType: 'SearchParameter',
    id: 'ServiceRequest-code',
    url: 'http://fhir-offline-store.dev/SearchParameter/ServiceRequest-code',
    version: '5.0.0',
    name: 'code',
    status: 'active',
    experimental: false,
    publisher: 'fhir-offline-store',
    description: 'What is being requested/ordered (ServiceRequest.code.concept; same as R5 code-concept)',
    code: 'code',
    base: ['ServiceRequest'],
    type: 'token',
    expression: 'ServiceRequest.code.concept',
    processingMode: 'normal',
  },
])[0]!;
