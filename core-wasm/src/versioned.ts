// A backend that counts the calls that may change an evaluation's answer, so the extender can
// reuse an answer while the count stands still (assessor.ts).

import type { Backend } from './contract.js';

/**
 * Backend calls that never change what evaluate() / admit() answer. Failover admission's kept
 * restart plans are `kept`, an object rather than a call: its questions are never counted.
 */
const READ_ONLY_CALLS = new Set<PropertyKey>(['evaluate', 'evaluateColumns', 'admit', 'ledger', 'memoryBytes', 'restartPlan']);

/**
 * The backend, with `onChange` called (with the method's name) before every call that may change
 * an evaluation's answer: every method but READ_ONLY_CALLS, including ones added to the contract later.
 */
export function versioned(b: Backend, onChange: (call: PropertyKey) => void): Backend {
  const wrappers = new Map<PropertyKey, unknown>();
  return new Proxy(b, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      let w = wrappers.get(prop);
      if (w === undefined) {
        const fn = v as (...args: unknown[]) => unknown;
        w = READ_ONLY_CALLS.has(prop)
          ? fn.bind(target)
          : (...args: unknown[]) => {
              onChange(prop);
              return fn.apply(target, args);
            };
        wrappers.set(prop, w);
      }
      return w;
    },
  });
}
