export * from './fhir-error.js';
