// Where a model object's fields were written, for errors raised after parsing (resolve.ts): the
// model types carry a SourceRef but not field paths, so the parsers record them here.

export interface Origin {
  /** `Deployment team-a/web`. */
  object: string;
  /** model field → path in the document, e.g. priorityClassName → `spec.template.spec.priorityClassName`. */
  fields: Readonly<Record<string, string>>;
}

const origins = new WeakMap<object, Origin>();

export function setOrigin<T extends object>(target: T, origin: Origin): T {
  origins.set(target, origin);
  return target;
}

export function originOf(target: object): Origin | undefined {
  return origins.get(target);
}
