import type { StructureTable } from './element-table.js';

/**
 * Every element of the R5 ImagingSelection snapshot (root row omitted) with its types, cardinality and
 * binding, transcribed from `StructureDefinition-ImagingSelection.json`. A test proves it equal to that
 * snapshot, so edit both together. The `id` rows use the FHIR type named by the snapshot's
 * `structuredefinition-fhir-type` extension (`id` for the resource, `string` for backbones).
 * @see https://hl7.org/fhir/R5/imagingselection.html#resource
 */
export const IMAGING_SELECTION_TABLE = {
  'ImagingSelection.id': { min: 0, max: '1', types: ['id'] },
  'ImagingSelection.meta': { min: 0, max: '1', types: ['Meta'] },
  'ImagingSelection.implicitRules': { min: 0, max: '1', types: ['uri'] },
  'ImagingSelection.language': {
    min: 0, max: '1', types: ['code'],
    binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/all-languages' },
  },
  'ImagingSelection.text': { min: 0, max: '1', types: ['Narrative'] },
  'ImagingSelection.contained': { min: 0, max: '*', types: ['Resource'] },
  'ImagingSelection.extension': { min: 0, max: '*', types: ['Extension'] },
  'ImagingSelection.modifierExtension': { min: 0, max: '*', types: ['Extension'] },
  'ImagingSelection.identifier': { min: 0, max: '*', types: ['Identifier'] },
  'ImagingSelection.status': {
    min: 1, max: '1', types: ['code'],
    binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/imagingselection-status' },
  },
  'ImagingSelection.subject': { min: 0, max: '1', types: ['Reference'] },
  'ImagingSelection.issued': { min: 0, max: '1', types: ['instant'] },
  'ImagingSelection.performer': { min: 0, max: '*', types: ['BackboneElement'] },
  'ImagingSelection.performer.id': { min: 0, max: '1', types: ['string'] },
  'ImagingSelection.performer.extension': { min: 0, max: '*', types: ['Extension'] },
  'ImagingSelection.performer.modifierExtension': { min: 0, max: '*', types: ['Extension'] },
  'ImagingSelection.performer.function': {
    min: 0, max: '1', types: ['CodeableConcept'],
    binding: { strength: 'extensible', valueSet: 'http://hl7.org/fhir/ValueSet/series-performer-function' },
  },
  'ImagingSelection.performer.actor': { min: 0, max: '1', types: ['Reference'] },
  'ImagingSelection.basedOn': { min: 0, max: '*', types: ['Reference'] },
  'ImagingSelection.category': {
    min: 0, max: '*', types: ['CodeableConcept'],
    binding: { strength: 'example', valueSet: 'http://dicom.nema.org/medical/dicom/current/output/chtml/part16/sect_CID_7010.html' },
  },
  'ImagingSelection.code': {
    min: 1, max: '1', types: ['CodeableConcept'],
    binding: { strength: 'example', valueSet: 'http://dicom.nema.org/medical/dicom/current/output/chtml/part16/sect_CID_7010.html' },
  },
  'ImagingSelection.studyUid': { min: 0, max: '1', types: ['id'] },
  'ImagingSelection.derivedFrom': { min: 0, max: '*', types: ['Reference'] },
  'ImagingSelection.endpoint': { min: 0, max: '*', types: ['Reference'] },
  'ImagingSelection.seriesUid': { min: 0, max: '1', types: ['id'] },
  'ImagingSelection.seriesNumber': { min: 0, max: '1', types: ['unsignedInt'] },
  'ImagingSelection.frameOfReferenceUid': { min: 0, max: '1', types: ['id'] },
  'ImagingSelection.bodySite': {
    min: 0, max: '1', types: ['CodeableReference'],
    binding: { strength: 'example', valueSet: 'http://hl7.org/fhir/ValueSet/body-site' },
  },
  'ImagingSelection.focus': { min: 0, max: '*', types: ['Reference'] },
  'ImagingSelection.instance': { min: 0, max: '*', types: ['BackboneElement'] },
  'ImagingSelection.instance.id': { min: 0, max: '1', types: ['string'] },
  'ImagingSelection.instance.extension': { min: 0, max: '*', types: ['Extension'] },
  'ImagingSelection.instance.modifierExtension': { min: 0, max: '*', types: ['Extension'] },
  'ImagingSelection.instance.uid': { min: 1, max: '1', types: ['id'] },
  'ImagingSelection.instance.number': { min: 0, max: '1', types: ['unsignedInt'] },
  'ImagingSelection.instance.sopClass': {
    min: 0, max: '1', types: ['Coding'],
    binding: { strength: 'extensible', valueSet: 'http://dicom.nema.org/medical/dicom/current/output/chtml/part04/sect_B.5.html#table_B.5-1' },
  },
  'ImagingSelection.instance.subset': { min: 0, max: '*', types: ['string'] },
  'ImagingSelection.instance.imageRegion2D': { min: 0, max: '*', types: ['BackboneElement'] },
  'ImagingSelection.instance.imageRegion2D.id': { min: 0, max: '1', types: ['string'] },
  'ImagingSelection.instance.imageRegion2D.extension': { min: 0, max: '*', types: ['Extension'] },
  'ImagingSelection.instance.imageRegion2D.modifierExtension': { min: 0, max: '*', types: ['Extension'] },
  'ImagingSelection.instance.imageRegion2D.regionType': {
    min: 1, max: '1', types: ['code'],
    binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/imagingselection-2dgraphictype' },
  },
  'ImagingSelection.instance.imageRegion2D.coordinate': { min: 1, max: '*', types: ['decimal'] },
  'ImagingSelection.instance.imageRegion3D': { min: 0, max: '*', types: ['BackboneElement'] },
  'ImagingSelection.instance.imageRegion3D.id': { min: 0, max: '1', types: ['string'] },
  'ImagingSelection.instance.imageRegion3D.extension': { min: 0, max: '*', types: ['Extension'] },
  'ImagingSelection.instance.imageRegion3D.modifierExtension': { min: 0, max: '*', types: ['Extension'] },
  'ImagingSelection.instance.imageRegion3D.regionType': {
    min: 1, max: '1', types: ['code'],
    binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/imagingselection-3dgraphictype' },
  },
  'ImagingSelection.instance.imageRegion3D.coordinate': { min: 1, max: '*', types: ['decimal'] },
} as const satisfies StructureTable;
