// The placer web console: a single page served at /ui by `placer serve`, reading only the native
// API (/v1). Views are chosen by the URL's hash (#/cluster, #/namespaces, #/explain?…, #/drain?host=…,
// #/consolidate?sparePerZone=…, #/failover?host=…), so a view with its parameters is a link an admin can share.

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Login, SignOut } from './login';
import './styles.css';
import { ClusterView } from './views/Cluster';
import { ConsolidateView } from './views/Consolidate';
import { DrainView } from './views/Drain';
import { ExplainView } from './views/Explain';
import { FailoverView } from './views/Failover';
import { NamespacesView } from './views/Namespaces';

interface Route {
  view: string;
  params: URLSearchParams;
}

const VIEWS: { id: string; title: string }[] = [
  { id: 'cluster', title: 'Cluster' },
  { id: 'namespaces', title: 'Namespaces' },
  { id: 'explain', title: 'Explain' },
  { id: 'drain', title: 'Drain preview' },
  { id: 'consolidate', title: 'Consolidate' },
  { id: 'failover', title: 'Failover' },
];

function route(): Route {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const view = VIEWS.some((v) => v.id === path) ? path : 'cluster';
  return { view, params: new URLSearchParams(query ?? '') };
}

function App() {
  const [r, setR] = useState(route);
  useEffect(() => {
    const on = (): void => setR(route());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return (
    <>
      <header class="top">
        <span class="brand">placer</span>
        <nav>
          {VIEWS.map((v) => (
            <a
              key={v.id}
              href={`#/${v.id}`}
              class={r.view === v.id ? 'on' : ''}
              aria-current={r.view === v.id ? 'page' : undefined}
              data-testid={`nav-${v.id}`}
            >
              {v.title}
            </a>
          ))}
        </nav>
        <SignOut />
      </header>
      <Login />
      <main>
        {r.view === 'cluster' && <ClusterView />}
        {r.view === 'namespaces' && <NamespacesView />}
        {r.view === 'explain' && <ExplainView params={r.params} />}
        {r.view === 'drain' && <DrainView params={r.params} />}
        {r.view === 'consolidate' && <ConsolidateView params={r.params} />}
        {r.view === 'failover' && <FailoverView params={r.params} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
