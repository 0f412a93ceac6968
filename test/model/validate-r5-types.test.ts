import { readFileSync, readdirSync } from 'node:fs';
import type { OperationOutcome, Resource } from 'fhir/r5';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { imagingSelection, patient as benchPatient } from '../../bench/generate.js';
import { demoResources } from '../../demo/web/generate/index.js';
import type { Store } from '../../src/index.js';
import { checkResource } from '../../src/model/validate/index.js';
import { loadValidation } from '../../src/model/validate/load.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { openTestStore, R5_DATA, snapshot } from '../helpers.js';

/*
 * Issue 13 defect 10: every R5 resource type is validated against its StructureDefinition (types, cardinality,
 * primitive formats, required bindings), from the table generated from hl7.fhir.r5.core 5.0.0.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

beforeAll(() => loadValidation());

const failure = (resource: unknown) => {
  const result = checkResource(resource);
  if (!result) throw new Error('expected a validation failure');
  return result;
};
const issuesOf = (resource: unknown): [string | undefined, string | undefined][] => failure(resource).issues.map((i) => [i.code, i.expression[0]]);

/** Valid resources of several types, each a base the cases below break in one place. */
const VALID: Readonly<Record<string, () => Json>> = {
  Patient: () => ({
    resourceType: 'Patient',
    id: 'p1',
    active: true,
    gender: 'female',
    birthDate: '1970-01-31',
    name: [{ use: 'official', family: 'Doe', given: ['Jane'] }],
    telecom: [{ system: 'phone', value: '555', use: 'home' }],
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'en-US' }] }, preferred: true }],
    contact: [{ relationship: [{ text: 'friend' }], name: { family: 'Roe' } }],
  }),
  Observation: () => ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: 'Patient/p1' },
    issued: '2024-02-29T10:00:00Z',
    valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
    component: [{ code: { text: 'x' }, valueString: 's' }],
  }),
  Encounter: () => ({ resourceType: 'Encounter', status: 'completed', subject: { reference: 'Patient/p1' } }),
  MedicationRequest: () => ({
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    medication: { concept: { text: 'aspirin' } },
    subject: { reference: 'Patient/p1' },
    dosageInstruction: [{ timing: { repeat: { frequency: 2, period: 1, periodUnit: 'd' } } }],
  }),
  ImagingStudy: () => ({ resourceType: 'ImagingStudy', status: 'available', subject: { reference: 'Patient/p1' }, numberOfSeries: 1 }),
  Endpoint: () => ({ resourceType: 'Endpoint', status: 'active', connectionType: [{ text: 'dicom-wado-rs' }], address: 'https://pacs.example/wado' }),
  Questionnaire: () => ({ resourceType: 'Questionnaire', status: 'draft', item: [{ linkId: '1', type: 'group', item: [{ linkId: '1.1', type: 'string' }] }] }),
  Appointment: () => ({
    resourceType: 'Appointment',
    status: 'booked',
    participant: [{ actor: { reference: 'Patient/p1' }, status: 'accepted' }],
    recurrenceTemplate: [{ recurrenceType: { text: 'monthly' }, monthlyTemplate: { monthInterval: 1, dayOfWeek: { system: 'http://hl7.org/fhir/days-of-week', code: 'mon' } } }],
  }),
  Bundle: () => ({ resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0', resource: { resourceType: 'Patient', meta: { versionId: '3' }, gender: 'male' } }] }),
};

describe('every R5 type: valid resources pass', () => {
  it.each(Object.keys(VALID))('%s', (type) => {
    expect(checkResource(VALID[type]!())).toBeUndefined();
  });
});

/** [label, base type, mutation, expected [code, expression] issues, status]. */
type Case = [string, string, (r: Json) => void, [string, string][], 400 | 422];

const byKind: Readonly<Record<string, Case[]>> = {
  'element type': [
    ['a boolean as a string (defect 10)', 'Patient', (r) => (r.active = 'yes'), [['structure', 'Patient.active']], 400],
    ['a Reference as a string', 'Encounter', (r) => (r.subject = 'Patient/p1'), [['structure', 'Encounter.subject']], 400],
    ['a decimal as a string in a Quantity', 'Observation', (r) => (r.valueQuantity.value = '72'), [['structure', 'Observation.value.ofType(Quantity).value']], 400],
    ['a positiveInt as a string inside Timing.repeat', 'MedicationRequest', (r) => (r.dosageInstruction[0].timing.repeat.frequency = '2'), [['structure', 'MedicationRequest.dosageInstruction[0].timing.repeat.frequency']], 400],
    ['an unknown element', 'Patient', (r) => (r.favouriteColour = 'blue'), [['structure', 'Patient.favouriteColour']], 400],
    ['an unknown element in a backbone element', 'Questionnaire', (r) => (r.item[0].colour = 'red'), [['structure', 'Questionnaire.item[0].colour']], 400],
  ],
  'min cardinality': [
    ['a missing status', 'Observation', (r) => delete r.status, [['required', 'Observation.status']], 422],
    ['a missing code', 'Observation', (r) => delete r.code, [['required', 'Observation.code']], 422],
    ['a missing Bundle.type', 'Bundle', (r) => delete r.type, [['required', 'Bundle.type']], 422],
    ['a missing linkId in a nested item (contentReference)', 'Questionnaire', (r) => delete r.item[0].item[0].linkId, [['required', 'Questionnaire.item[0].item[0].linkId']], 422],
    ['a missing Endpoint.address', 'Endpoint', (r) => delete r.address, [['required', 'Endpoint.address']], 422],
  ],
  'max cardinality': [
    ['two birth dates', 'Patient', (r) => (r.birthDate = ['1970-01-31', '1971-01-31']), [['structure', 'Patient.birthDate']], 400],
    ['two subjects', 'Observation', (r) => (r.subject = [r.subject, r.subject]), [['structure', 'Observation.subject']], 400],
    ['a repeating element as a single value', 'Patient', (r) => (r.name = r.name[0]), [['structure', 'Patient.name']], 400],
  ],
  'primitive format': [
    ['an impossible date (defect 10)', 'Patient', (r) => (r.birthDate = '2024-13-45'), [['value', 'Patient.birthDate']], 400],
    ['a day that does not exist', 'Patient', (r) => (r.birthDate = '2023-02-29'), [['value', 'Patient.birthDate']], 400],
    ['an instant without a zone', 'Observation', (r) => (r.issued = '2024-02-29T10:00:00'), [['value', 'Observation.issued']], 400],
    ['a negative unsignedInt', 'ImagingStudy', (r) => (r.numberOfSeries = -1), [['value', 'ImagingStudy.numberOfSeries']], 400],
    ['a url with a space', 'Endpoint', (r) => (r.address = 'https://pacs example'), [['value', 'Endpoint.address']], 400],
  ],
  'required binding': [
    ['gender banana (defect 10)', 'Patient', (r) => (r.gender = 'banana'), [['code-invalid', 'Patient.gender']], 422],
    ['an Observation.status outside observation-status', 'Observation', (r) => (r.status = 'done'), [['code-invalid', 'Observation.status']], 422],
    ['a ContactPoint.system outside contact-point-system', 'Patient', (r) => (r.telecom[0].system = 'pigeon'), [['code-invalid', 'Patient.telecom[0].system']], 422],
    ['an Endpoint.status outside endpoint-status', 'Endpoint', (r) => (r.status = 'on'), [['code-invalid', 'Endpoint.status']], 422],
    ['a Timing periodUnit outside units-of-time', 'MedicationRequest', (r) => (r.dosageInstruction[0].timing.repeat.periodUnit = 'fortnight'), [['code-invalid', 'MedicationRequest.dosageInstruction[0].timing.repeat.periodUnit']], 422],
    ['a Questionnaire item type outside item-type', 'Questionnaire', (r) => (r.item[0].item[0].type = 'banana'), [['code-invalid', 'Questionnaire.item[0].item[0].type']], 422],
    ['a Coding outside days-of-week', 'Appointment', (r) => (r.recurrenceTemplate[0].monthlyTemplate.dayOfWeek.code = 'someday'), [['code-invalid', 'Appointment.recurrenceTemplate[0].monthlyTemplate.dayOfWeek']], 422],
    ['a CodeableConcept language of another system', 'Patient', (r) => (r.communication[0].language.coding[0].system = 'http://example.org/languages'), [['code-invalid', 'Patient.communication[0].language']], 422],
  ],
  'choice type': [
    ['two types of one choice', 'Observation', (r) => (r.valueString = 'x'), [['structure', 'Observation.value']], 400],
    ['a type the choice does not allow', 'Patient', (r) => (r.deceasedString = 'yes'), [['structure', 'Patient.deceasedString']], 400],
    ['a choice value of the wrong JSON type', 'Observation', (r) => (r.component[0].valueString = 5), [['structure', 'Observation.component[0].value.ofType(string)']], 400],
  ],
  'contained resource': [
    ['a contained Practitioner with a wrong type', 'Patient', (r) => (r.contained = [{ resourceType: 'Practitioner', id: 'pr', active: 'yes' }]), [['structure', 'Patient.contained[0].active']], 400],
    ['a contained Observation without status', 'Patient', (r) => (r.contained = [{ resourceType: 'Observation', id: 'o', code: { text: 'x' } }]), [['required', 'Patient.contained[0].status']], 422],
    ['a contained resource with meta.versionId (dom-4)', 'Patient', (r) => (r.contained = [{ resourceType: 'Basic', id: 'b', code: { text: 'x' }, meta: { versionId: '1' } }]), [['invariant', 'Patient.contained[0].meta.versionId']], 422],
  ],
  'Bundle entry': [
    ['an entry resource with a bad code', 'Bundle', (r) => (r.entry[0].resource.gender = 'banana'), [['code-invalid', 'Bundle.entry[0].resource.gender']], 422],
    ['an entry resource with an impossible date', 'Bundle', (r) => (r.entry[0].resource.birthDate = '2024-13-45'), [['value', 'Bundle.entry[0].resource.birthDate']], 400],
    ['an entry request method outside http-verb', 'Bundle', (r) => (r.entry[0].request = { method: 'FETCH', url: 'Patient' }), [['code-invalid', 'Bundle.entry[0].request.method']], 422],
    ['an entry resource without resourceType', 'Bundle', (r) => delete r.entry[0].resource.resourceType, [['structure', 'Bundle.entry[0].resource.resourceType']], 400],
  ],
};

describe.each(Object.entries(byKind))('every R5 type: %s', (_kind, cases) => {
  it.each(cases)('%s (%s)', (_label, type, mutate, expected, status) => {
    const r = VALID[type]!();
    mutate(r);
    const result = failure(r);
    expect(result.issues.map((i) => [i.code, i.expression[0]])).toEqual(expected);
    expect(result.status).toBe(status);
  });
});

describe('official R5 examples of every type (hl7.fhir.r5.examples 5.0.0 sample)', () => {
  const dir = new URL('examples-sample/', R5_DATA);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  /** Examples that break R5 themselves (docs/conformance.md): the issue each is refused for. */
  const BREAK_R5: Readonly<Record<string, [string, string]>> = {
    // An unquoted space in a MIME parameter value is not BCP 13.
    'Bundle-b5711af0a-d678-46d1-86e9-66e454cf1522.json': ['code-invalid', 'Bundle.entry[7].resource.payload[0].mimeType[0]'],
    // The R4 shorthand `xml` where R5 binds a MIME type.
    'TestScript-testscript-example-update.json': ['code-invalid', 'TestScript.setup.action[0].operation.accept'],
  };

  it('holds one example of each resource type with examples', () => {
    const types = new Set(files.map((f) => (JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Resource).resourceType));
    expect(types.size).toBeGreaterThanOrEqual(150);
  });

  it.each(files)('%s', (file) => {
    const resource: unknown = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
    const expected = BREAK_R5[file];
    if (expected) expect(issuesOf(resource)).toContainEqual(expected);
    else expect(checkResource(resource)).toBeUndefined();
  });

  it('the 7 official ImagingSelection examples', () => {
    const examples = readdirSync(new URL('examples/', R5_DATA)).filter((f) => f.startsWith('ImagingSelection-'));
    expect(examples).toHaveLength(7);
    for (const f of examples) expect(checkResource(JSON.parse(readFileSync(new URL(`examples/${f}`, R5_DATA), 'utf8'))), f).toBeUndefined();
  });
});

describe('the data the benchmarks and the demo write', () => {
  it('benchmark Patients and ImagingSelections', () => {
    for (let i = 0; i < 200; i++) {
      expect(checkResource(benchPatient(i, 200)), `patient ${i}`).toBeUndefined();
      expect(checkResource(imagingSelection(i, 200, 200)), `selection ${i}`).toBeUndefined();
    }
  });

  it('the workstation demo resources (Patient, ImagingStudy, Endpoint, ImagingSelection, …)', () => {
    const resources = demoResources('http://127.0.0.1:8080/wado');
    expect(new Set(resources.map((r) => r.resourceType)).size).toBeGreaterThan(2);
    for (const r of resources) expect(checkResource(r), `${r.resourceType}/${r.id}`).toBeUndefined();
  });
});

describe('defect 10 through the store and over HTTP', () => {
  const DEFECT: [string, Json, string, 400 | 422][] = [
    ['birthDate 2024-13-45', { resourceType: 'Patient', id: 'd10', birthDate: '2024-13-45' }, 'Patient.birthDate', 400],
    ['active "yes"', { resourceType: 'Patient', id: 'd10', active: 'yes' }, 'Patient.active', 400],
    ['gender banana', { resourceType: 'Patient', id: 'd10', gender: 'banana' }, 'Patient.gender', 422],
  ];
  let store: Store | undefined;
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await store?.close();
    store = undefined;
  });

  it.each(DEFECT)('store.handle refuses %s, naming the element; the store is unchanged', async (_label, body, expression, status) => {
    store = await openTestStore();
    await store.handle({ method: 'PUT', url: 'Patient/d10', body: { resourceType: 'Patient', id: 'd10', active: true } });
    const before = await snapshot(store);
    for (const request of [{ method: 'PUT', url: 'Patient/d10', body }, { method: 'POST', url: 'Patient', body }]) {
      const res = await store.handle(request);
      expect(res.status).toBe(status);
      const outcome = res.body as OperationOutcome;
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue.map((i) => i.expression?.[0])).toEqual([expression]);
    }
    const bundle = await store.handle({ method: 'POST', url: '', body: { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: body, request: { method: 'PUT', url: 'Patient/d10' } }] } });
    expect(bundle.status).toBe(status);
    expect(JSON.stringify(bundle.body)).toContain(expression);
    expect(await snapshot(store)).toEqual(before);
  });

  it.each(DEFECT)('serve refuses %s over HTTP with an OperationOutcome naming the element', async (_label, body, expression, status) => {
    server = await startServer({ port: 0 });
    const res = await fetch(`${server.url}/Patient/d10`, { method: 'PUT', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(status);
    const outcome = (await res.json()) as OperationOutcome;
    expect(outcome.issue.map((i) => i.expression?.[0])).toEqual([expression]);
    expect((await fetch(`${server.url}/Patient/d10`)).status).toBe(404);
  });
});
