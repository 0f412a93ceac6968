import type { StructureTable } from './element-table.js';

/*
 * Element tables of the R5 general-purpose datatypes that ImagingSelection uses, directly or as
 * common extension values. Every datatype carries the inherited Element `id` (string) and `extension`.
 * Only required bindings are listed: they are the only ones a validator enforces.
 * A type-level test proves the element names equal those of `fhir/r5` (@types/fhir, generated from R5).
 */

const STRING_ID = { min: 0, max: '1', types: ['string'] } as const;
const EXTENSIONS = { min: 0, max: '*', types: ['Extension'] } as const;

/** R5 `Extension.value[x]`: every type an extension value may take. @see https://hl7.org/fhir/R5/extensibility.html#Extension */
const EXTENSION_VALUE_TYPES = [
  'base64Binary', 'boolean', 'canonical', 'code', 'date', 'dateTime', 'decimal', 'id', 'instant', 'integer',
  'integer64', 'markdown', 'oid', 'positiveInt', 'string', 'time', 'unsignedInt', 'uri', 'url', 'uuid',
  'Address', 'Age', 'Annotation', 'Attachment', 'CodeableConcept', 'CodeableReference', 'Coding', 'ContactPoint',
  'Count', 'Distance', 'Duration', 'HumanName', 'Identifier', 'Money', 'Period', 'Quantity', 'Range', 'Ratio',
  'RatioRange', 'Reference', 'SampledData', 'Signature', 'Timing', 'ContactDetail', 'DataRequirement',
  'Expression', 'ParameterDefinition', 'RelatedArtifact', 'TriggerDefinition', 'UsageContext', 'Availability',
  'ExtendedContactDetail', 'Dosage', 'Meta',
] as const;

/**
 * The element tables of the datatypes validated element by element, keyed by type name. Other
 * complex types (Timing, Dosage, …) are checked structurally only.
 * @see https://hl7.org/fhir/R5/datatypes.html
 * @see https://hl7.org/fhir/R5/metadatatypes.html
 * @see https://hl7.org/fhir/R5/references.html
 * @see https://hl7.org/fhir/R5/narrative.html
 * @see https://hl7.org/fhir/R5/extensibility.html
 */
export const DATATYPE_TABLES = {
  /** The `_element` sibling of a primitive: its id and extensions. https://hl7.org/fhir/R5/json.html#primitive */
  Element: {
    'Element.id': STRING_ID,
    'Element.extension': EXTENSIONS,
  },
  Extension: {
    'Extension.id': STRING_ID,
    'Extension.extension': EXTENSIONS,
    'Extension.url': { min: 1, max: '1', types: ['uri'] },
    'Extension.value[x]': { min: 0, max: '1', types: EXTENSION_VALUE_TYPES },
  },
  Narrative: {
    'Narrative.id': STRING_ID,
    'Narrative.extension': EXTENSIONS,
    'Narrative.status': {
      min: 1, max: '1', types: ['code'],
      binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/narrative-status' },
    },
    'Narrative.div': { min: 1, max: '1', types: ['xhtml'] },
  },
  Meta: {
    'Meta.id': STRING_ID,
    'Meta.extension': EXTENSIONS,
    'Meta.versionId': { min: 0, max: '1', types: ['id'] },
    'Meta.lastUpdated': { min: 0, max: '1', types: ['instant'] },
    'Meta.source': { min: 0, max: '1', types: ['uri'] },
    'Meta.profile': { min: 0, max: '*', types: ['canonical'] },
    'Meta.security': { min: 0, max: '*', types: ['Coding'] },
    'Meta.tag': { min: 0, max: '*', types: ['Coding'] },
  },
  Identifier: {
    'Identifier.id': STRING_ID,
    'Identifier.extension': EXTENSIONS,
    'Identifier.use': {
      min: 0, max: '1', types: ['code'],
      binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/identifier-use' },
    },
    'Identifier.type': { min: 0, max: '1', types: ['CodeableConcept'] },
    'Identifier.system': { min: 0, max: '1', types: ['uri'] },
    'Identifier.value': { min: 0, max: '1', types: ['string'] },
    'Identifier.period': { min: 0, max: '1', types: ['Period'] },
    'Identifier.assigner': { min: 0, max: '1', types: ['Reference'] },
  },
  Reference: {
    'Reference.id': STRING_ID,
    'Reference.extension': EXTENSIONS,
    'Reference.reference': { min: 0, max: '1', types: ['string'] },
    'Reference.type': { min: 0, max: '1', types: ['uri'] },
    'Reference.identifier': { min: 0, max: '1', types: ['Identifier'] },
    'Reference.display': { min: 0, max: '1', types: ['string'] },
  },
  CodeableConcept: {
    'CodeableConcept.id': STRING_ID,
    'CodeableConcept.extension': EXTENSIONS,
    'CodeableConcept.coding': { min: 0, max: '*', types: ['Coding'] },
    'CodeableConcept.text': { min: 0, max: '1', types: ['string'] },
  },
  Coding: {
    'Coding.id': STRING_ID,
    'Coding.extension': EXTENSIONS,
    'Coding.system': { min: 0, max: '1', types: ['uri'] },
    'Coding.version': { min: 0, max: '1', types: ['string'] },
    'Coding.code': { min: 0, max: '1', types: ['code'] },
    'Coding.display': { min: 0, max: '1', types: ['string'] },
    'Coding.userSelected': { min: 0, max: '1', types: ['boolean'] },
  },
  CodeableReference: {
    'CodeableReference.id': STRING_ID,
    'CodeableReference.extension': EXTENSIONS,
    'CodeableReference.concept': { min: 0, max: '1', types: ['CodeableConcept'] },
    'CodeableReference.reference': { min: 0, max: '1', types: ['Reference'] },
  },
  Period: {
    'Period.id': STRING_ID,
    'Period.extension': EXTENSIONS,
    'Period.start': { min: 0, max: '1', types: ['dateTime'] },
    'Period.end': { min: 0, max: '1', types: ['dateTime'] },
  },
  Quantity: {
    'Quantity.id': STRING_ID,
    'Quantity.extension': EXTENSIONS,
    'Quantity.value': { min: 0, max: '1', types: ['decimal'] },
    'Quantity.comparator': {
      min: 0, max: '1', types: ['code'],
      binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/quantity-comparator' },
    },
    'Quantity.unit': { min: 0, max: '1', types: ['string'] },
    'Quantity.system': { min: 0, max: '1', types: ['uri'] },
    'Quantity.code': { min: 0, max: '1', types: ['code'] },
  },
  Range: {
    'Range.id': STRING_ID,
    'Range.extension': EXTENSIONS,
    'Range.low': { min: 0, max: '1', types: ['Quantity'] },
    'Range.high': { min: 0, max: '1', types: ['Quantity'] },
  },
  Ratio: {
    'Ratio.id': STRING_ID,
    'Ratio.extension': EXTENSIONS,
    'Ratio.numerator': { min: 0, max: '1', types: ['Quantity'] },
    'Ratio.denominator': { min: 0, max: '1', types: ['Quantity'] },
  },
  Money: {
    'Money.id': STRING_ID,
    'Money.extension': EXTENSIONS,
    'Money.value': { min: 0, max: '1', types: ['decimal'] },
    'Money.currency': {
      min: 0, max: '1', types: ['code'],
      binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/currencies' },
    },
  },
  Attachment: {
    'Attachment.id': STRING_ID,
    'Attachment.extension': EXTENSIONS,
    'Attachment.contentType': {
      min: 0, max: '1', types: ['code'],
      binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/mimetypes' },
    },
    'Attachment.language': {
      min: 0, max: '1', types: ['code'],
      binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/all-languages' },
    },
    'Attachment.data': { min: 0, max: '1', types: ['base64Binary'] },
    'Attachment.url': { min: 0, max: '1', types: ['url'] },
    'Attachment.size': { min: 0, max: '1', types: ['integer64'] },
    'Attachment.hash': { min: 0, max: '1', types: ['base64Binary'] },
    'Attachment.title': { min: 0, max: '1', types: ['string'] },
    'Attachment.creation': { min: 0, max: '1', types: ['dateTime'] },
    'Attachment.height': { min: 0, max: '1', types: ['positiveInt'] },
    'Attachment.width': { min: 0, max: '1', types: ['positiveInt'] },
    'Attachment.frames': { min: 0, max: '1', types: ['positiveInt'] },
    'Attachment.duration': { min: 0, max: '1', types: ['decimal'] },
    'Attachment.pages': { min: 0, max: '1', types: ['positiveInt'] },
  },
  Annotation: {
    'Annotation.id': STRING_ID,
    'Annotation.extension': EXTENSIONS,
    'Annotation.author[x]': { min: 0, max: '1', types: ['Reference', 'string'] },
    'Annotation.time': { min: 0, max: '1', types: ['dateTime'] },
    'Annotation.text': { min: 1, max: '1', types: ['markdown'] },
  },
  HumanName: {
    'HumanName.id': STRING_ID,
    'HumanName.extension': EXTENSIONS,
    'HumanName.use': {
      min: 0, max: '1', types: ['code'],
      binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/name-use' },
    },
    'HumanName.text': { min: 0, max: '1', types: ['string'] },
    'HumanName.family': { min: 0, max: '1', types: ['string'] },
    'HumanName.given': { min: 0, max: '*', types: ['string'] },
    'HumanName.prefix': { min: 0, max: '*', types: ['string'] },
    'HumanName.suffix': { min: 0, max: '*', types: ['string'] },
    'HumanName.period': { min: 0, max: '1', types: ['Period'] },
  },
  ContactPoint: {
    'ContactPoint.id': STRING_ID,
    'ContactPoint.extension': EXTENSIONS,
    'ContactPoint.system': {
      min: 0, max: '1', types: ['code'],
      binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/contact-point-system' },
    },
    'ContactPoint.value': { min: 0, max: '1', types: ['string'] },
    'ContactPoint.use': {
      min: 0, max: '1', types: ['code'],
      binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/contact-point-use' },
    },
    'ContactPoint.rank': { min: 0, max: '1', types: ['positiveInt'] },
    'ContactPoint.period': { min: 0, max: '1', types: ['Period'] },
  },
  Address: {
    'Address.id': STRING_ID,
    'Address.extension': EXTENSIONS,
    'Address.use': {
      min: 0, max: '1', types: ['code'],
      binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/address-use' },
    },
    'Address.type': {
      min: 0, max: '1', types: ['code'],
      binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/address-type' },
    },
    'Address.text': { min: 0, max: '1', types: ['string'] },
    'Address.line': { min: 0, max: '*', types: ['string'] },
    'Address.city': { min: 0, max: '1', types: ['string'] },
    'Address.district': { min: 0, max: '1', types: ['string'] },
    'Address.state': { min: 0, max: '1', types: ['string'] },
    'Address.postalCode': { min: 0, max: '1', types: ['string'] },
    'Address.country': { min: 0, max: '1', types: ['string'] },
    'Address.period': { min: 0, max: '1', types: ['Period'] },
  },
} as const satisfies Record<string, StructureTable>;

/**
 * R5 profiles of Quantity (Age, Count, Distance, Duration) and the SimpleQuantity profile share
 * Quantity's JSON elements; their extra invariants (units) are not enforced here.
 * @see https://hl7.org/fhir/R5/datatypes.html#Quantity
 */
export const DATATYPE_ALIASES: Readonly<Record<string, keyof typeof DATATYPE_TABLES>> = {
  Age: 'Quantity',
  Count: 'Quantity',
  Distance: 'Quantity',
  Duration: 'Quantity',
  SimpleQuantity: 'Quantity',
};
