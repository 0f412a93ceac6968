import { toFhirError } from '../errors/fhir-error.js';
import { loadValidation } from '../model/validate/load.js';
import { processBundle } from './bundle.js';
import { commitPlanned } from './commit.js';
import type { EngineContext } from './context.js';
import { assertRequestShape, parsePrefer, parseRequest, type FhirRequest, type FhirResponse, type ParsedRequest, type Preferences } from './http.js';
import { toResponse, type Outcome } from './outcome.js';
import { route } from './router.js';

/** Runs one parsed request to its outcome; a write commits in its own transaction. */
export async function execute(ctx: EngineContext, req: ParsedRequest, prefer: Preferences): Promise<Outcome> {
  const r = route(ctx, req, prefer);
  if (r.kind === 'read') return r.run();
  // A write or Bundle validates resources synchronously, narratives with the XML parser and types other than
  // ImagingSelection with the R5 tables, which load on demand: here, before any transaction opens (batch entries
  // and transaction entries all pass through this point).
  await loadValidation();
  if (r.kind === 'write') return (await commitPlanned(ctx, r.plan)).value;
  return processBundle(ctx, r.body, prefer, execute);
}

/**
 * The FHIR REST facade: answers a request as a FHIR R5 server would, with its status, headers and body.
 * Never throws for a bad request: every failure is an OperationOutcome with its HTTP status, and the store
 * is left exactly as it was.
 * @see https://hl7.org/fhir/R5/http.html
 */
export async function handle(ctx: EngineContext, request: FhirRequest): Promise<FhirResponse> {
  let prefer: Preferences = {};
  let head = false;
  try {
    assertRequestShape(request);
    head = request.method.toUpperCase() === 'HEAD';
    const req = parseRequest(request, ctx.baseUrl);
    prefer = parsePrefer(req.headers.get('prefer'));
    const outcome = await execute(ctx, req, prefer);
    const response = toResponse(outcome, prefer);
    if (req.method === 'HEAD') delete response.body;
    return response;
  } catch (e) {
    const err = toFhirError(e);
    if (head) return { status: err.status, headers: { ...err.headers } };
    return {
      status: err.status,
      headers: { 'Content-Type': 'application/fhir+json; charset=utf-8', ...err.headers },
      body: err.outcome,
    };
  }
}
