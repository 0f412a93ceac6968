import type { CodeableConcept, Coding } from 'fhir/r5';

/**
 * The codes that name what a selection made from an annotation is. They are the concept names DICOM SR
 * measurement templates (TID 300, TID 1410) use for the same graphics, and the ones Cornerstone3D's own DICOM SR
 * adapters (through dcmjs) write: a selection stored here and an SR written by OHIF for the same annotation say
 * the same thing. SNOMED CT where DICOM uses it (Length, Area), DICOM's DCM terminology otherwise.
 * @see https://hl7.org/fhir/R5/imagingselection-definitions.html#ImagingSelection.code
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_D.html
 */
export const SNOMED = 'http://snomed.info/sct';
/** DICOM Controlled Terminology (PS3.16 Annex D), as FHIR names it. */
export const DCM = 'http://dicom.nema.org/resources/ontology/DCM';

/** SCT 410668003 Length: a distance (Length) or an open path (open PlanarFreehandROI). */
export const LENGTH: Coding = { system: SNOMED, code: '410668003', display: 'Length' };
/** SCT 42798000 Area: a closed region (rectangle, ellipse, circle, closed freehand contour, spline). */
export const AREA: Coding = { system: SNOMED, code: '42798000', display: 'Area' };
/** DCM 111010 Center: a single point (Probe), as dcmjs codes a TID 300 point. */
export const CENTER: Coding = { system: DCM, code: '111010', display: 'Center' };
/** DCM 121071 Finding: what an arrow points at (ArrowAnnotate); its text is the label. */
export const FINDING: Coding = { system: DCM, code: '121071', display: 'Finding' };

/** A CodeableConcept of one coding. */
export const concept = (coding: Coding): CodeableConcept => ({ coding: [{ ...coding }] });

/**
 * The core extension "Note" (FHIR Extensions Pack): the annotation's label, since ImagingSelection has no
 * element for free text about the selection.
 * @see https://hl7.org/fhir/extensions/StructureDefinition-note.html
 */
export const NOTE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/note';

/**
 * This package's extension on ImagingSelection: what a Cornerstone3D annotation needs beyond the region to come
 * back as the same annotation (its tool, the order of its handles, the arrow head, the spline type). Defined in
 * docs/imaging.md; a reader that ignores it still gets a complete R5 region.
 */
export const CORNERSTONE_EXTENSION = 'https://github.com/fhir-offline-store/fhir-offline-store/blob/main/docs/imaging.md#extension-cornerstone-annotation';

/** The identifier system of an annotation's UID: `urn:ietf:rfc:3986` with a `urn:uuid:` value (or `urn:oid:`). */
export const URI_SYSTEM = 'urn:ietf:rfc:3986';

/** The DICOM UID identifier system FHIR uses for DICOM UIDs (as the R5 examples do). */
export const DICOM_UID_SYSTEM = 'urn:dicom:uid';

/** The identifier system of a Cornerstone annotation UID (`annotation.annotationUID`, kept verbatim). */
export const ANNOTATION_UID_SYSTEM = 'https://github.com/fhir-offline-store/fhir-offline-store/blob/main/docs/imaging.md#annotation-uid';
