// Kubernetes-mode metrics, on the service's registry (service/server/metrics.ts):
//
//   placer_kube_watch_events_total{resource, type}     ADDED | MODIFIED | DELETED | BOOKMARK | ERROR
//   placer_kube_watch_failures_total{resource}         lists and watches that failed (a dead connection
//                                                      noticed, refused, 410 Expired, an error)
//   placer_kube_relists_total{resource, reason}        initial | expired (410) | error | absent
//   placer_kube_bindings_total{result}                 bound | refused
//   placer_kube_unreadable_objects{resource}           API objects placer cannot read (logged)
//   placer_kube_pods_pending_host                      bound pods whose Node placer has not seen yet
//   placer_kube_vms_pending{reason}                    VirtualMachines on a host that wait for their
//                                                      class (reason="class") or Node (reason="host")

import { Counter, Gauge, type Registry } from 'prom-client';

export type BindResult = 'bound' | 'refused';

export class KubeMetrics {
  readonly events: Counter<'resource' | 'type'>;
  readonly watchFailures: Counter<'resource'>;
  readonly relists: Counter<'resource' | 'reason'>;
  readonly bindings: Counter<'result'>;
  readonly unreadable: Gauge<'resource'>;
  readonly pendingHost: Gauge;
  readonly vmsPending: Gauge<'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.events = new Counter({
      name: 'placer_kube_watch_events_total',
      help: 'Watch events received from the API server',
      labelNames: ['resource', 'type'],
      registers,
    });
    this.watchFailures = new Counter({
      name: 'placer_kube_watch_failures_total',
      help: 'Lists and watches of the API server that failed: a dead connection noticed, a refused one, 410 Expired, an error',
      labelNames: ['resource'],
      registers,
    });
    this.relists = new Counter({
      name: 'placer_kube_relists_total',
      help: 'Complete lists of a resource: the initial one, after 410 Expired, after an error',
      labelNames: ['resource', 'reason'],
      registers,
    });
    this.bindings = new Counter({
      name: 'placer_kube_bindings_total',
      help: "Extender binds by result: bound (the API server created the Binding), refused (placer's rules or the API server said no)",
      labelNames: ['result'],
      registers,
    });
    this.unreadable = new Gauge({
      name: 'placer_kube_unreadable_objects',
      help: 'Objects of the API server placer cannot read and does not account (see the logs)',
      labelNames: ['resource'],
      registers,
    });
    this.pendingHost = new Gauge({
      name: 'placer_kube_pods_pending_host',
      help: 'Bound pods waiting for their Node to be seen',
      registers,
    });
    this.vmsPending = new Gauge({
      name: 'placer_kube_vms_pending',
      help: 'VirtualMachines on a host waiting for their VirtualMachineClass (reason="class") or Node (reason="host") to be seen',
      labelNames: ['reason'],
      registers,
    });
  }
}
