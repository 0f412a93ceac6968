import type { OperationOutcomeIssue } from 'fhir/r5';

/** One problem found in a resource: an R5 issue-type code, a message and the FHIRPath of the element. */
export interface ValidationIssue {
  code: OperationOutcomeIssue['code'];
  diagnostics: string;
  expression: string[];
}

/** Why a resource was refused: every issue, and the HTTP status the refusal answers with. */
export interface ValidationFailure {
  status: 400 | 422;
  issues: ValidationIssue[];
}

/**
 * Collects every problem found in one resource into one `ValidationFailure`.
 *
 * Status policy: any problem with the JSON shape (wrong JSON type, unknown element, null, empty value,
 * array/single mismatch, a primitive breaking its lexical rule) makes the answer 400, because the
 * content could not even be read as the resource; when the shape is right but content rules are broken
 * (cardinality, required bindings, invariants, business rules) the answer is 422.
 * @see https://hl7.org/fhir/R5/http.html#2.21.0.4 (400 vs 422)
 * @see https://hl7.org/fhir/R5/valueset-issue-type.html (issue codes)
 */
export class IssueCollector {
  readonly issues: ValidationIssue[] = [];
  private shapeBroken = false;

  /** 400 `structure`: the JSON does not have the shape of the element. */
  structure(expression: string, diagnostics: string): void {
    this.shapeBroken = true;
    this.issues.push({ code: 'structure', diagnostics, expression: [expression] });
  }

  /** 400 `value`: a primitive is not a valid lexical form of its datatype. */
  value(expression: string, diagnostics: string): void {
    this.shapeBroken = true;
    this.issues.push({ code: 'value', diagnostics, expression: [expression] });
  }

  /** 422 `required`: an element with min cardinality ≥ 1 is missing. */
  required(expression: string, diagnostics: string): void {
    this.issues.push({ code: 'required', diagnostics, expression: [expression] });
  }

  /** 422 `code-invalid`: a code outside a required binding. */
  codeInvalid(expression: string, diagnostics: string): void {
    this.issues.push({ code: 'code-invalid', diagnostics, expression: [expression] });
  }

  /** 422 `invariant`: a constraint (ext-1, dom-2, …) of the specification is broken. */
  invariant(expression: string, diagnostics: string): void {
    this.issues.push({ code: 'invariant', diagnostics, expression: [expression] });
  }

  /** 422 `business-rule`: a rule stated in the element's prose (e.g. coordinates in pairs) is broken. */
  businessRule(expression: string, diagnostics: string): void {
    this.issues.push({ code: 'business-rule', diagnostics, expression: [expression] });
  }

  /** Every issue, 400 if the shape is broken else 422; undefined when the resource is clean. */
  failure(): ValidationFailure | undefined {
    if (this.issues.length === 0) return undefined;
    return { status: this.shapeBroken ? 400 : 422, issues: this.issues };
  }
}
