// `placer failover` as a real process over examples/ (team-payments is protected: one host or a
// zone may fail) and against a real `placer serve` bootstrapped from the same files: the report
// and the simulations agree between the CLI over files, the CLI with --server and the API, every
// workload of a failed host is restarted or listed, and bad failures name what is wrong.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { FailoverReportDoc, FailoverSimulationDoc } from '../../service/placement/api-types.js';
import type { PlacementResult } from '../../service/placement/result.js';
import { call, killAll, quiet, removeDirs, type Server, start, tempDir } from './server.js';

const root = join(import.meta.dirname, '..', '..');

function placer(args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/placer.js'), ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const json = <T>(args: string[]): T => {
  const r = placer([...args, '-o', 'json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
};

describe('placer failover (real process, real server)', () => {
  let s: Server;
  beforeAll(async () => {
    s = await start(tempDir(), ['--bootstrap', 'examples/']);
    await quiet(s);
  });
  afterAll(() => {
    killAll();
    removeDirs();
  });

  it('the report over files is the server’s, by the API and by --server; the table names the protected namespace and the cost', async () => {
    const files = json<FailoverReportDoc>(['failover', 'examples/']);
    expect(files.kind).toBe('FailoverReport');
    expect(files.namespaces.map((n) => [n.namespace, n.policy, n.kept])).toEqual([
      ['team-payments', { hostFailuresToTolerate: 1, zoneFailuresToTolerate: 1 }, true],
    ]);
    expect(files.zones.map((z) => z.zone)).toEqual(['dc1-zone-a', 'dc1-zone-b', 'dc1-zone-c']);
    const api = await call(s, 'GET', '/v1/failover');
    expect(api.status).toBe(200);
    expect(api.body).toEqual(files);
    expect(json<FailoverReportDoc>(['failover', '--server', s.url])).toEqual(files);
    const yaml = placer(['failover', 'examples/', '-o', 'yaml']);
    expect(parse(yaml.stdout)).toEqual(files);

    const table = placer(['failover', 'examples/']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAMESPACE\s+HOST FAILURES\s+ZONE FAILURES\s+TOLERATES HOSTS\s+TOLERATES ZONE\s+KEPT$/m);
    expect(table.stdout).toMatch(/^team-payments\s+1\s+1\s+\d\s+yes\s+yes$/m);
    // a host row for every host running protected workloads, with where they restart
    for (const h of files.hosts.filter((x) => x.protectedWorkloads > 0))
      expect(table.stdout).toMatch(new RegExp(`^${h.host}\\s+\\S+\\s+${h.protectedWorkloads}\\s+yes\\s+\\S+ \\(\\d+\\)`, 'm'));
    expect(table.stdout).toMatch(/^Held for failover: cpu [\d.]+ of 2807\.4 \([\d.]+%\), memory /m);
    expect(table.stdout).toContain(`vSphere HA's percentage rule, 1 host failure(s) → ${files.vsphere.percent}% of cpu and memory`);
  });

  it('--fail: every workload of the failed hosts restarted elsewhere or listed with its reason, the same over files and --server', async () => {
    const placed = json<PlacementResult>(['place', 'examples/']).placements;
    const on = (hosts: string[]) =>
      placed
        .filter((p) => hosts.includes(p.host!))
        .map((p) => `${p.namespace}/${p.name}`)
        .sort();
    const files = json<FailoverSimulationDoc>(['failover', '--fail', 'esx-a01,esx-a02', 'examples/']);
    expect(files).toMatchObject({ kind: 'FailoverSimulation', failed: ['esx-a01', 'esx-a02'], zone: null, absorbed: true });
    expect([...files.restarts, ...files.unplaced].map((w) => `${w.namespace}/${w.name}`).sort()).toEqual(on(['esx-a01', 'esx-a02']));
    for (const m of files.restarts) expect(['esx-a01', 'esx-a02']).not.toContain(m.to);
    for (const u of files.unplaced) expect(u.reason).not.toBe('');
    expect(json<FailoverSimulationDoc>(['failover', '--fail', 'esx-a01,esx-a02', '--server', s.url])).toEqual(files);
    const api = await call(s, 'POST', '/v1/failover/simulate', { hosts: ['esx-a01', 'esx-a02'] });
    expect(api.body).toEqual(files);

    const zone = json<FailoverSimulationDoc>(['failover', '--fail-zone', 'dc1-zone-b', 'examples/']);
    expect(zone.zone).toBe('dc1-zone-b');
    expect(zone.failed).toEqual(expect.arrayContaining(['esx-b01', 'esx-b02']));
    expect([...zone.restarts, ...zone.unplaced].map((w) => `${w.namespace}/${w.name}`).sort()).toEqual(on(zone.failed));
    for (const m of zone.restarts) expect(zone.failed).not.toContain(m.to);

    const table = placer(['failover', '--fail', 'esx-a01', 'examples/']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /^Failure of esx-a01: \d+ restart\(s\), \d+ cannot restart \(0 protected\); every protected workload restarts\.$/m,
    );
    expect(table.stdout).toMatch(/^NAMESPACE\s+KIND\s+NAME\s+FROM\s+TO\s+PROTECTED$/m);
  });

  it('bad failures name what is wrong: exit 1 over files, the 400 of the API with --server', () => {
    const host = placer(['failover', '--fail', 'esx-a01,esx-z99', 'examples/']);
    expect([host.code, host.stdout, host.stderr]).toEqual([
      1,
      '',
      'error: --fail: Not found: "esx-z99": no such host in the given manifests\n',
    ]);
    const zone = placer(['failover', '--fail-zone', 'moon', 'examples/']);
    expect(zone.code).toBe(1);
    expect(zone.stderr).toBe(
      'error: --fail-zone: Not found: "moon": no host has the label topology.kubernetes.io/zone=moon in the given manifests\n',
    );
    const server = placer(['failover', '--fail', 'esx-z99', '--server', s.url]);
    expect(server.code).toBe(1);
    expect(server.stderr).toBe('error: hosts[0]: Not found: "esx-z99": no such host\n  hosts[0]: Not found: "esx-z99": no such host\n');
    const none = placer(['failover']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^error: give the manifests of the cluster/);
  });

  it.each([
    ['README.md', '## Namespace HA: failover', '## Consolidation'],
    ['docs/failover.md', '## The report', '## Simulate'],
  ])('every line of the failover transcript in %s is what the CLI prints', (file, from, to) => {
    const text = readFileSync(join(root, file), 'utf8');
    const section = text.slice(text.indexOf(from), text.indexOf(to));
    const transcripts = [...section.matchAll(/^\$ (?:npx )?placer (.+)\n([\s\S]*?)(?=^\$ |^```)/gm)];
    expect(transcripts.map((t) => t[1])).toEqual(['failover examples/']);
    for (const [, command, shown] of transcripts) {
      const r = placer(command!.split(' '));
      expect(r.code, command).toBe(0);
      const printed = r.stdout.split('\n').map((l) => l.trimEnd());
      for (const line of shown!.split('\n').map((l) => l.trimEnd()))
        if (line !== '') expect(printed, `${command}: ${line}`).toContain(line);
    }
  });
});
