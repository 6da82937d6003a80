// Namespace HA in the native API (docs/failover.md): GET /v1/failover, the failover report — per
// protected namespace the failures it tolerates now, per host whether its protected workloads
// restart and where, the room held and its cost against vSphere HA's percentage rule — and POST
// /v1/failover/simulate, the restart plan of exactly the failures of the body. Neither changes
// anything.

import { Hono } from 'hono';
import type { BodyLimits } from '../body.js';
import { reply } from '../body.js';
import { failoverDoc, failureProblem, simulationDoc } from '../../placement/failover.js';
import type { PlacerState } from '../../state/state.js';
import { takes } from '../query.js';
import { StatusError } from '../status.js';
import { smallJson } from './native.js';

export interface FailoverDeps {
  state: () => PlacerState;
  limits: BodyLimits;
}

/** The body of a simulation, `{"hosts": ["esx-a01"], "zone": "zone-a"}`, checked field by field. */
function failuresOf(body: Record<string, unknown>): { hosts: string[]; zone: string | undefined } {
  const unknown = Object.keys(body).find((k) => k !== 'hosts' && k !== 'zone');
  if (unknown !== undefined) throw invalid(unknown, 'field not declared in schema');
  const { hosts = [], zone } = body;
  if (!Array.isArray(hosts)) throw invalid('hosts', 'must be a list of host names');
  const bad = hosts.findIndex((h) => typeof h !== 'string' || h === '');
  if (bad >= 0) throw invalid(`hosts[${bad}]`, 'must be a host name');
  if (zone !== undefined && (typeof zone !== 'string' || zone === '')) throw invalid('zone', 'must be a zone name');
  return { hosts: hosts as string[], zone };
}

/** A 400 naming the field of the body at fault. */
function invalid(field: string, message: string, reason = 'FieldValueInvalid'): StatusError {
  return new StatusError(400, 'BadRequest', `${field}: ${message}`, { causes: [{ reason, message, field }] });
}

export function failoverRoutes(deps: FailoverDeps): Hono {
  const app = new Hono();

  app.get('/failover', takes(), (c) => reply(c, failoverDoc(deps.state().engine.failoverReport())));

  app.post('/failover/simulate', takes(), async (c) => {
    const body = await smallJson(c, deps.limits.other);
    const { hosts, zone } = failuresOf(body);
    const engine = deps.state().engine;
    const problem = failureProblem(engine, hosts, zone);
    if (problem) throw invalid(problem.field, problem.message, problem.field === 'hosts' ? 'FieldValueRequired' : 'FieldValueNotFound');
    c.set(
      'auditObject',
      [hosts.length > 0 && `hosts ${hosts.join(', ')}`, zone !== undefined && `zone ${zone}`].filter(Boolean).join(' and '),
    );
    return reply(c, simulationDoc(engine.simulateFailures(hosts, zone), zone));
  });

  return app;
}
