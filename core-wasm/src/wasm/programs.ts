// Constraint programs in the Wasm core's program pool. The core appends each program's words; a
// freed program's words stay behind until the dead words outweigh the live ones, when the pool is
// rewritten with the live programs only (their ids unchanged). So the pool follows the programs
// live classes use, not every node selector, affinity or toleration ever seen.

import type { ConstraintSpec } from '../contract.js';
import { encodeConstraint } from './encode.js';
import type { CoreExports } from './module.js';
import type { CoreMemory } from './views.js';

/** Dead words below which the pool is not worth rewriting. */
const COMPACT_AFTER = 4096;

export class ProgramPool {
  /** Encoded words of each live program, by id (the pool is rewritten from them). */
  private readonly words: (Int32Array | undefined)[] = [];
  private liveWords = 0;
  private deadWords = 0;

  constructor(
    private readonly x: CoreExports,
    private readonly m: CoreMemory,
  ) {}

  define(id: number, spec: ConstraintSpec): void {
    this.drop(id);
    const words = Int32Array.from(encodeConstraint(spec));
    this.words[id] = words;
    this.liveWords += words.length;
    this.write(id, words);
  }

  free(id: number): void {
    this.drop(id);
    if (this.deadWords >= COMPACT_AFTER && this.deadWords > this.liveWords) this.compact();
  }

  /** Words the pool holds, live and dead (tests: it stays bounded under churn). */
  get poolWords(): number {
    return this.m.L.progLen;
  }

  private drop(id: number): void {
    const old = this.words[id];
    if (!old) return;
    this.words[id] = undefined;
    this.liveWords -= old.length;
    this.deadWords += old.length;
  }

  private compact(): void {
    this.x.resetConstraints();
    this.m.refresh();
    this.words.forEach((w, id) => w && this.write(id, w));
    this.deadWords = 0;
  }

  private write(id: number, words: Int32Array): void {
    const off = this.x.reserveConstraint(words.length);
    this.m.refresh();
    this.m.i32(this.m.L.prog + off * 4, words.length).set(words);
    this.x.commitConstraint(id, off, words.length);
    this.m.refresh();
  }
}
