// Errors as Kubernetes `Status` objects (meta/v1), the shape kubectl and every Kubernetes client
// already understand:
//
//   {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"...",
//    "reason":"Invalid","code":422,"details":{"causes":[{"reason":"FieldValueInvalid","message":"...","field":"spec..."}]}}
//
// Routes throw a StatusError; the state's refusals (state/errors.ts) keep their reason and
// details, and an InputError from the adapters becomes 422 Invalid with the field path. app.ts
// turns each into the response.

import { InputError } from '../../model/errors.js';
import { StateRefusal, type RefusalReason } from '../state/errors.js';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'Conflict'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'ServiceUnavailable'
  | 'InternalError';

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  kind?: string;
  causes?: StatusCause[];
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'StatusError';
  }
}

export const badRequest = (message: string): StatusError => new StatusError(400, 'BadRequest', message);
export const notFound = (message: string, details?: StatusDetails): StatusError => new StatusError(404, 'NotFound', message, details);
export const conflict = (message: string, details?: StatusDetails): StatusError => new StatusError(409, 'Conflict', message, details);

export function failure(code: number, reason: StatusReason, message: string, details?: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details && { details }), code };
}

export function success(details?: StatusDetails, message?: string): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    ...(message && { message }),
    ...(details && { details }),
    code: 200,
  };
}

/** An input syntax error (broken JSON/YAML) rather than an invalid field. */
function isSyntaxError(e: InputError): boolean {
  return e.field === '' && /invalid (JSON|YAML)|expected a Kubernetes object/.test(e.detail);
}

/** The HTTP code of each refusal of the state. */
const REFUSAL_CODES: Record<RefusalReason, number> = { BadRequest: 400, NotFound: 404, Conflict: 409 };

/** The Status for any error a route lets escape; `internal` is true for a 500 (log it). */
export function statusOf(err: unknown): { status: Status; internal: boolean } {
  if (err instanceof StatusError) return { status: failure(err.code, err.reason, err.message, err.details), internal: false };
  if (err instanceof StateRefusal)
    return { status: failure(REFUSAL_CODES[err.reason], err.reason, err.message, err.details), internal: false };
  if (err instanceof InputError) {
    if (isSyntaxError(err)) return { status: failure(400, 'BadRequest', err.message), internal: false };
    const details: StatusDetails = { causes: [{ reason: 'FieldValueInvalid', message: err.detail, field: err.field }] };
    if (err.object) {
      const [kind, name] = err.object.split(' ');
      details.kind = kind;
      if (name) details.name = name;
    }
    return { status: failure(422, 'Invalid', err.message, details), internal: false };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: failure(500, 'InternalError', `internal error: ${message}`), internal: true };
}
