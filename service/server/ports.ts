// What the HTTP app needs from outside the server, declared here as ports: the composition root
// (service/serve.ts) hands it implementations from service/apiserver/, which fit these shapes
// without importing them. The server and the API-server code never import each other.

/** Posts a pod's Binding to the API server once placer committed the extender's bind (standalone mode, --apiserver). */
export interface BindingPort {
  /** Resolves once the API server took the Binding; rejects otherwise, with the API server's HTTP `status` when it answered. */
  bind(namespace: string, name: string, uid: string, node: string): Promise<void>;
}

/** Kubernetes mode: the API server holds the truth and placer mirrors it; the native API only reads and plans (readonly.ts). */
export interface KubernetesPort {
  /** Extra /readyz checks, by name. */
  checks(): [string, boolean][];
  /** The extender's whole bind; resolves with ExtenderBindingResult.Error ('' when bound). */
  bind(name: string, namespace: string, uid: string, node: string): Promise<string>;
  /** Calls `listener` whenever the pod watch shows a pod bound (by anyone), once placer holds what it shows. */
  onPodBound(listener: (namespace: string, name: string) => void): void;
}
