// The kube bench suite's do-nothing scheduler extender, a process of its own: the HTTP floor of
// kube-scheduler's extender protocol. filter passes every node it is sent (NodeNames echoed back),
// prioritize scores every node 0, bind posts the pod's Binding to the API server — what any
// extender with bindVerb must do, and nothing else. Configured exactly as placer is (same verbs,
// nodeCacheCapable, managedResources), so that placer's throughput divided by this one's is what
// placer's own work costs.
//
//   node noop-extender.ts   (env: NOOP_API_SERVER, NOOP_CA_FILE, NOOP_TOKEN)
//   prints "noop extender on http://127.0.0.1:PORT" once it listens.

import { readFileSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { Agent, request } from 'node:https';

const api = new URL(process.env.NOOP_API_SERVER ?? '');
const ca = readFileSync(process.env.NOOP_CA_FILE ?? '');
const token = process.env.NOOP_TOKEN ?? '';
const agent = new Agent({ keepAlive: true, maxSockets: 32 });

type Args = Record<string, unknown>;

function readBody(req: IncomingMessage): Promise<Args> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Args);
      } catch (err) {
        reject(err as Error);
      }
    });
    req.on('error', reject);
  });
}

/** POST the Binding as kube-scheduler's default binder does; '' or the API server's refusal. */
function bind(namespace: string, name: string, uid: string, node: string): Promise<string> {
  const body = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name, namespace, uid },
    target: { kind: 'Node', name: node },
  });
  return new Promise((resolve) => {
    const req = request(
      new URL(`/api/v1/namespaces/${namespace}/pods/${name}/binding`, api),
      {
        method: 'POST',
        agent,
        ca,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve(res.statusCode === 201 ? '' : `binding: ${res.statusCode} ${text.slice(0, 200)}`));
      },
    );
    req.on('error', (err) => resolve(err.message));
    req.end(body);
  });
}

function answer(res: ServerResponse, value: unknown): void {
  const text = Buffer.from(JSON.stringify(value));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': text.length });
  res.end(text);
}

const names = (args: Args): string[] => (Array.isArray(args.NodeNames) ? (args.NodeNames as string[]) : []);

const server = createServer((req, res) => {
  readBody(req).then(
    async (args) => {
      switch (req.url) {
        case '/scheduler/filter':
          return answer(res, { NodeNames: names(args), FailedNodes: {}, FailedAndUnresolvableNodes: {}, Error: '' });
        case '/scheduler/prioritize':
          return answer(
            res,
            names(args).map((Host) => ({ Host, Score: 0 })),
          );
        case '/scheduler/bind': {
          const s = (k: string): string => String(args[k] ?? '');
          return answer(res, { Error: await bind(s('PodNamespace') || 'default', s('PodName'), s('PodUID'), s('Node')) });
        }
        default:
          res.writeHead(404).end();
      }
    },
    () => res.writeHead(400).end(),
  );
});
server.keepAliveTimeout = 60_000;
// SIGTERM exits through process.exit, so that a --cpu-prof profile is written (the bench's profiling)
process.once('SIGTERM', () => process.exit(0));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`noop extender on http://127.0.0.1:${port}\n`);
});
