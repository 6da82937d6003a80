// The embedded on-disk store: SQLite through better-sqlite3, one file `placer.db` under
// --data-dir. WAL journal with synchronous=FULL: a transaction that returned from commit is on
// disk (fsync'd) and survives kill -9 and power loss; one that did not is rolled back on open.
//
// Tables
//   objects     the infrastructure objects as applied (Node, ResourceQuota, NamespacePolicy,
//               VirtualMachineClass, PriorityClass, PodDisruptionBudget), one JSON manifest each,
//               keyed by (kind, namespace, name): a restart re-reads them through the adapters.
//   shapes      deduplicated placement shapes (a WorkloadTemplate without its instances, see
//               shapes.ts), referenced by id: a Deployment's 1,000 replicas store one shape. A
//               shape no placement references any more is deleted in the same transaction (every
//               rollout and every Job brings new labels, so new shapes: kept, they would grow the
//               store and the process for as long as it runs).
//   placements  every placement placer holds: (kind, namespace, name) → uid, host, shape, owner,
//               origin. A restart binds them back, one shape at a time.
//   pending     the desired state placer could not place yet: every workload instance a request
//               asked for and that has no host — (kind, namespace, name) → uid, shape, owner, the
//               reason and grade of its last attempt, since when it waits and how many attempts
//               it took. A restart brings the pending list back from it; the retry loop
//               (retry.ts) empties it. Shapes are shared with placements and kept while either
//               table references them.
//
// Every change of a request is one `commit(change)`: one transaction, all or nothing.
//
// A MEMORY store (Kubernetes mode) writes no rows: the API server is the record of truth and a
// start relists it, the state's own tables (held.ts, pending.ts, the mirror) are what every
// answer reads, and nothing reads a store that dies with the process — its rows were a second
// in-memory copy written on every bind and every watch event. Its commits are counted (the
// ETags' generation) and nothing else.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export const SCHEMA_VERSION = 2;

/** Schema 1 had no pending table: opening such a store adds it (nothing else changed). */
const UPGRADABLE = 1;

/** The data dir of a store that lives in memory only (nothing survives the process). */
export const MEMORY = ':memory:';

export interface ObjectKey {
  kind: string;
  namespace: string;
  name: string;
}

export interface StoredObject extends ObjectKey {
  /** The manifest as JSON text (apiVersion and kind included). */
  manifest: string;
}

export type PlacementOrigin = 'apply' | 'existing' | 'bind' | 'retry';

export interface StoredPlacement extends ObjectKey {
  uid: string | null;
  host: string;
  /** The shape's JSON (shapes.ts); the store keeps one row per distinct shape. */
  shape: string;
  owner: string | null;
  origin: PlacementOrigin;
}

/** A workload instance placer was asked for and could not place (yet). */
export interface StoredPending extends ObjectKey {
  uid: string | null;
  /** The shape's JSON (shapes.ts), shared with placements. */
  shape: string;
  owner: string | null;
  reason: string;
  grade: string;
  /** When it became pending (ISO 8601). */
  since: string;
  /** When it was last tried (ISO 8601). */
  lastAttempt: string;
  attempts: number;
}

export interface Change {
  putObjects?: readonly StoredObject[];
  deleteObjects?: readonly ObjectKey[];
  putPlacements?: readonly StoredPlacement[];
  deletePlacements?: readonly ObjectKey[];
  /** Upserted: a pending workload's row is replaced by its latest attempt. */
  putPending?: readonly StoredPending[];
  deletePending?: readonly ObjectKey[];
}

/** What every placement of a run shares besides its shape (a Deployment's replicas share all of it). */
export interface PlacementCommon {
  kind: string;
  namespace: string;
  owner: string | null;
  origin: PlacementOrigin;
}

/**
 * Placement rows as read back at start-up, all of one shape, without an object per row (a restart
 * reads a million): each row [name, uid, host, rowid, kind, namespace, owner, origin], the last four
 * only when `common` is null — when every placement of the shape shares them, they are read once.
 */
export interface PlacementPage {
  shapeId: number;
  common: PlacementCommon | null;
  rows: PlacementRaw[];
}

export type PlacementRaw = [
  name: string,
  uid: string | null,
  host: string,
  rowid: number,
  kind?: string,
  namespace?: string,
  owner?: string | null,
  origin?: PlacementOrigin,
];

export class Store {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly shapeIds = new Map<string, number>();
  private readonly stmt;
  private readonly commitTx: (change: Change, pending: Map<string, number>, dropped: string[]) => void;
  private commits = 0;

  private constructor(dir: string) {
    // MEMORY: Kubernetes mode, where the API server holds the truth and a restart relists
    if (dir === MEMORY) this.path = MEMORY;
    else {
      mkdirSync(dir, { recursive: true });
      this.path = join(dir, 'placer.db');
    }
    this.db = new Database(this.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    this.stmt = {
      putObject: this.db.prepare(
        'INSERT INTO objects (kind, namespace, name, manifest) VALUES (?, ?, ?, ?) ON CONFLICT (kind, namespace, name) DO UPDATE SET manifest = excluded.manifest',
      ),
      deleteObject: this.db.prepare('DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?'),
      findShape: this.db.prepare('SELECT id FROM shapes WHERE body = ?').pluck(),
      insertShape: this.db.prepare('INSERT INTO shapes (body) VALUES (?)'),
      putPlacement: this.db.prepare(
        'INSERT INTO placements (kind, namespace, name, uid, host, shape, owner, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      deletePlacement: this.db.prepare('DELETE FROM placements WHERE kind = ? AND namespace = ? AND name = ? RETURNING shape').pluck(),
      shapeInUse: this.db
        .prepare('SELECT 1 WHERE EXISTS (SELECT 1 FROM placements WHERE shape = ?) OR EXISTS (SELECT 1 FROM pending WHERE shape = ?)')
        .pluck(),
      putPending: this.db.prepare(
        `INSERT INTO pending (kind, namespace, name, uid, shape, owner, reason, grade, since, last_attempt, attempts)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (kind, namespace, name) DO UPDATE SET uid = excluded.uid, shape = excluded.shape, owner = excluded.owner,
           reason = excluded.reason, grade = excluded.grade, since = excluded.since, last_attempt = excluded.last_attempt,
           attempts = excluded.attempts`,
      ),
      oldPendingShape: this.db.prepare('SELECT shape FROM pending WHERE kind = ? AND namespace = ? AND name = ?').pluck(),
      deletePending: this.db.prepare('DELETE FROM pending WHERE kind = ? AND namespace = ? AND name = ? RETURNING shape').pluck(),
      deleteShape: this.db.prepare('DELETE FROM shapes WHERE id = ? RETURNING body').pluck(),
    };
    this.commitTx = this.db.transaction((change: Change, pending: Map<string, number>, dropped: string[]) => {
      for (const o of change.deleteObjects ?? []) this.stmt.deleteObject.run(o.kind, o.namespace, o.name);
      for (const o of change.putObjects ?? []) this.stmt.putObject.run(o.kind, o.namespace, o.name, o.manifest);
      const released = new Set<number>();
      for (const p of change.deletePlacements ?? []) {
        const shape = this.stmt.deletePlacement.get(p.kind, p.namespace, p.name) as number | undefined;
        if (shape !== undefined) released.add(shape);
      }
      for (const p of change.deletePending ?? []) {
        const shape = this.stmt.deletePending.get(p.kind, p.namespace, p.name) as number | undefined;
        if (shape !== undefined) released.add(shape);
      }
      for (const p of change.putPlacements ?? []) {
        const shape = this.shapeIdIn(p.shape, pending);
        // a plain INSERT: placing the same workload twice is a constraint violation, never a second row
        this.stmt.putPlacement.run(p.kind, p.namespace, p.name, p.uid, p.host, shape, p.owner, p.origin);
      }
      for (const p of change.putPending ?? []) {
        const old = this.stmt.oldPendingShape.get(p.kind, p.namespace, p.name) as number | undefined;
        if (old !== undefined) released.add(old);
        const shape = this.shapeIdIn(p.shape, pending);
        this.stmt.putPending.run(p.kind, p.namespace, p.name, p.uid, shape, p.owner, p.reason, p.grade, p.since, p.lastAttempt, p.attempts);
      }
      // after the puts: a placement that moved keeps its shape
      for (const id of released) {
        if (this.stmt.shapeInUse.get(id, id) !== undefined) continue;
        const body = this.stmt.deleteShape.get(id) as string | undefined;
        if (body !== undefined) dropped.push(body);
      }
    });
  }

  static open(dir: string): Store {
    return new Store(dir);
  }

  private migrate(): void {
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS objects (
        kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, manifest TEXT NOT NULL,
        PRIMARY KEY (kind, namespace, name)
      );
      CREATE TABLE IF NOT EXISTS shapes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE);
      CREATE TABLE IF NOT EXISTS placements (
        kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
        uid TEXT, host TEXT NOT NULL, shape INTEGER NOT NULL REFERENCES shapes (id),
        owner TEXT, origin TEXT NOT NULL,
        PRIMARY KEY (kind, namespace, name)
      );
      CREATE INDEX IF NOT EXISTS placements_by_shape ON placements (shape); -- an index ends with the rowid: (shape, rowid) order
    `);
    const v = this.db.prepare("SELECT value FROM meta WHERE key = 'schema'").pluck().get() as string | undefined;
    if (v !== undefined && Number(v) !== SCHEMA_VERSION && Number(v) !== UPGRADABLE)
      throw new Error(`${this.path}: store schema ${v} is not supported by this placer (schema ${SCHEMA_VERSION})`);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS pending (
        kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
        uid TEXT, shape INTEGER NOT NULL REFERENCES shapes (id), owner TEXT,
        reason TEXT NOT NULL, grade TEXT NOT NULL, since TEXT NOT NULL, last_attempt TEXT NOT NULL, attempts INTEGER NOT NULL,
        PRIMARY KEY (kind, namespace, name)
      );
      CREATE INDEX IF NOT EXISTS pending_by_shape ON pending (shape);
    `);
    this.db
      .prepare("INSERT INTO meta (key, value) VALUES ('schema', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
      .run(String(SCHEMA_VERSION));
    // shapes left unreferenced by a placer that did not delete them (before it did)
    this.db.exec(
      'DELETE FROM shapes WHERE NOT EXISTS (SELECT 1 FROM placements WHERE placements.shape = shapes.id) AND NOT EXISTS (SELECT 1 FROM pending WHERE pending.shape = shapes.id)',
    ); // index lookups per shape
  }

  private shapeIdIn(body: string, pending: Map<string, number>): number {
    const known = this.shapeIds.get(body) ?? pending.get(body);
    if (known !== undefined) return known;
    let id = this.stmt.findShape.get(body) as number | undefined;
    if (id === undefined) id = Number(this.stmt.insertShape.run(body).lastInsertRowid);
    pending.set(body, id);
    return id;
  }

  /** Apply a change in one durable transaction; throws (and changes nothing) on failure. A MEMORY store only counts it. */
  commit(change: Change): void {
    // counted before the attempt: a failed commit costs readers a refetch, never a stale answer
    this.commits++;
    if (this.path === MEMORY) return;
    const pending = new Map<string, number>();
    const dropped: string[] = [];
    this.commitTx(change, pending, dropped);
    // shape ids become known, and deleted ones forgotten, only once their transaction committed
    for (const [body, id] of pending) this.shapeIds.set(body, id);
    for (const body of dropped) this.shapeIds.delete(body);
  }

  /** Shape bodies known by id (each one referenced by a stored placement). */
  get shapeCount(): number {
    return this.shapeIds.size;
  }

  /**
   * Commits attempted since the store was opened: every change of the state goes through commit(),
   * so an unchanged count means unchanged answers (the native API's ETags).
   */
  get generation(): number {
    return this.commits;
  }

  isEmpty(): boolean {
    return (
      this.db
        .prepare('SELECT (SELECT count(*) FROM objects) + (SELECT count(*) FROM placements) + (SELECT count(*) FROM pending)')
        .pluck()
        .get() === 0
    );
  }

  objects(): StoredObject[] {
    return this.db.prepare('SELECT kind, namespace, name, manifest FROM objects ORDER BY rowid').all() as StoredObject[];
  }

  /** Every shape, id → JSON body (every one is referenced by some placement). */
  shapes(): Map<number, string> {
    const out = new Map<number, string>();
    for (const [id, body] of this.db.prepare('SELECT id, body FROM shapes').raw().iterate() as IterableIterator<[number, string]>) {
      out.set(id, body);
      this.shapeIds.set(body, id);
    }
    return out;
  }

  /** Every pending row, in the order they were first written. */
  pendingRows(): StoredPending[] {
    return this.db
      .prepare(
        `SELECT p.kind, p.namespace, p.name, p.uid, s.body AS shape, p.owner, p.reason, p.grade, p.since, p.last_attempt AS lastAttempt, p.attempts
         FROM pending p JOIN shapes s ON s.id = p.shape ORDER BY p.rowid`,
      )
      .all() as StoredPending[];
  }

  placementCount(): number {
    return this.db.prepare('SELECT count(*) FROM placements').pluck().get() as number;
  }

  /**
   * Placements in pages of at most `batch` rows, every page of a single shape: per shape, keyset
   * pages over the rowid (`raw().all()` on an indexed range is several times faster than iterate()).
   * A shape whose placements all share kind, namespace, owner and origin (found in SQLite, cheaper
   * than a string per row and column) reads only name, uid and host per row.
   */
  *placementBatches(batch = 50_000): Generator<PlacementPage> {
    const shapeIds = this.db.prepare('SELECT DISTINCT shape FROM placements ORDER BY shape').pluck().all() as number[];
    const commons = this.db.prepare(
      'SELECT kind, namespace, owner, origin FROM placements WHERE shape = ? GROUP BY kind, namespace, owner, origin LIMIT 2',
    );
    const full = this.db
      .prepare(
        'SELECT name, uid, host, rowid, kind, namespace, owner, origin FROM placements WHERE shape = ? AND rowid > ? ORDER BY rowid LIMIT ?',
      )
      .raw();
    const short = this.db
      .prepare('SELECT name, uid, host, rowid FROM placements WHERE shape = ? AND rowid > ? ORDER BY rowid LIMIT ?')
      .raw();
    for (const shapeId of shapeIds) {
      const c = commons.all(shapeId) as PlacementCommon[];
      const common = c.length === 1 ? c[0] : null;
      const page = common ? short : full;
      let after = 0;
      for (;;) {
        const rows = page.all(shapeId, after, batch) as PlacementRaw[];
        if (rows.length === 0) break;
        after = rows[rows.length - 1][3];
        yield { shapeId, common, rows };
        if (rows.length < batch) break;
      }
    }
  }

  /** Flush the WAL into the main file and close. */
  close(): void {
    if (!this.db.open) return;
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }
}
