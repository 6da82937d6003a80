// Who picks the node among those that pass the extender's filter (`placer serve --extender-choice`):
//
//   placer          the filter answers the one node placer chooses, as its batch engine does: the
//                   highest total of the score profile (kube-scheduler's, or `--config`'s) over every
//                   placement placer holds, VMs included, ties to the lowest host slot. kube-scheduler
//                   takes a single feasible node as it is: it neither runs its score plugins nor
//                   calls prioritize, a round trip and a scoring pass fewer per pod.
//   kube-scheduler  the filter answers every passing node; kube-scheduler scores them with its own
//                   plugins, and prioritize adds what it cannot see (extender-judge.ts).
//
// kube-scheduler schedules the next pod while the last one's bind is on its way: it has assumed
// that pod on its node, placer has not seen it yet. A choice made then would not count it, so while
// another pod that passed the filter waits for its bind, the filter answers every passing node
// instead and kube-scheduler, which counts its assumed pods, scores them. Capacity is never at
// stake either way (kube-scheduler's own filters count assumed pods, and the bind checks exactly);
// the wait keeps the choice as good as kube-scheduler's. It ends at the pod's bind, or in
// Kubernetes mode when the pod watch shows it bound (kube-scheduler may bind by itself).

export type ExtenderChoice = 'placer' | 'kube-scheduler';

export const EXTENDER_CHOICES: readonly ExtenderChoice[] = ['placer', 'kube-scheduler'];

/** A pod's key in Choices: the filter, the bind and the pod watch name the pod alike. */
export const podKey = (namespace: string, name: string): string => `${namespace}/${name}`;

/**
 * How long a pod that passed the filter holds choices back while its bind does not come
 * (kube-scheduler's later plugins refused it, or its PreBind waits on volumes).
 */
const WAIT_MS = 2000;
/** At most this many pods wait (the oldest is forgotten first): kube-scheduler binds a few at a time. */
const MAX_WAITING = 1024;

/** The pods that passed the filter and whose bind has not arrived, each with its deadline. */
export class Choices {
  /** Pod key → deadline, in the order they passed (a Map keeps insertion order). */
  private readonly waiting = new Map<string, number>();

  constructor(
    private readonly waitMs = WAIT_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The filter of pod `key` may choose: no other pod that passed waits for its bind. */
  mayChoose(key: string): boolean {
    if (this.waiting.size === 0) return true;
    const now = this.now();
    let free = true;
    for (const [k, until] of this.waiting) {
      if (until <= now) this.waiting.delete(k);
      else if (k !== key) free = false;
    }
    return free;
  }

  /** Pod `key` passed the filter (placer's choice or every passing node): it waits for its bind. */
  passed(key: string): void {
    this.waiting.delete(key);
    if (this.waiting.size >= MAX_WAITING) this.waiting.delete(this.waiting.keys().next().value!);
    this.waiting.set(key, this.now() + this.waitMs);
  }

  /** Pod `key`'s bind arrived (bound or refused): placer's ledger holds what came of it. */
  bound(key: string): void {
    this.waiting.delete(key);
  }

  /** How many pods wait for their bind. */
  get size(): number {
    return this.waiting.size;
  }
}
