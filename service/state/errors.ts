// The state's refusals, named as the Kubernetes API names them: what a request names is not there
// (NotFound), contradicts what placer holds (Conflict), or cannot be read (BadRequest). Each carries
// the object it is about and, where there are several, the causes. The HTTP server answers them
// as Kubernetes Status bodies (server/status.ts); invalid manifests stay InputErrors (model/).

export type RefusalReason = 'BadRequest' | 'NotFound' | 'Conflict';

export interface RefusalCause {
  reason: string;
  message: string;
  field?: string;
}

export interface RefusalDetails {
  name?: string;
  kind?: string;
  causes?: RefusalCause[];
}

export class StateRefusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    readonly details?: RefusalDetails,
  ) {
    super(message);
    this.name = 'StateRefusal';
  }
}

export const badRequest = (message: string): StateRefusal => new StateRefusal('BadRequest', message);
export const notFound = (message: string, details?: RefusalDetails): StateRefusal => new StateRefusal('NotFound', message, details);
export const conflict = (message: string, details?: RefusalDetails): StateRefusal => new StateRefusal('Conflict', message, details);

/**
 * Strict field validation (fieldValidation=Strict, as the Kubernetes API takes it): an object of a
 * kind nobody defines is a BadRequest naming each, and nothing is applied.
 */
export function refuseUnknownKinds(warnings: readonly { text: string; unknown: boolean }[]): void {
  const unknown = warnings.filter((w) => w.unknown);
  if (unknown.length === 0) return;
  throw new StateRefusal(
    'BadRequest',
    `strict validation: ${unknown.length === 1 ? 'an object' : 'objects'} of unknown kind: ${unknown.map((w) => w.text).join('; ')}`,
    {
      causes: unknown.map((w) => ({ reason: 'FieldValueNotSupported', message: w.text, field: 'kind' })),
    },
  );
}
