// The audit log file (--audit-log-path, kube-apiserver's spelling; stderr and `-` for stdout are
// pino's own destinations, serve.ts). The file is appended to line by line (synchronously: a
// line is written before the request's answer, and is in the file when the process dies),
// reopened on SIGHUP (logrotate moved it away), and rotated by size like kube-apiserver's
// (--audit-log-maxsize MiB, --audit-log-maxbackup files kept): the full file is renamed to
// `<name>-<UTC time>.<ext>` and a new one started; the oldest backups beyond the limit are deleted.

import { closeSync, fstatSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

export interface AuditLogOptions {
  /** A file, or `-` for stdout (serve.ts); unset: stderr. */
  path?: string;
  /** Rotate before the file grows past this many bytes (0: never). */
  maxBytes?: number;
  /** Rotated files kept (0: all). */
  maxBackups?: number;
}

export const MIB = 1024 * 1024;

/** A sink for pino: write() takes one line at a time. */
export class AuditLogFile {
  private fd: number;
  private size = 0;

  constructor(private readonly opts: AuditLogOptions & { path: string }) {
    this.fd = this.open();
  }

  private open(): number {
    const fd = openSync(this.opts.path, 'a', 0o600);
    this.size = fstatSync(fd).size;
    return fd;
  }

  write(line: string): void {
    const bytes = Buffer.from(line);
    const max = this.opts.maxBytes ?? 0;
    if (max > 0 && this.size > 0 && this.size + bytes.length > max) this.rotate();
    writeSync(this.fd, bytes);
    this.size += bytes.length;
  }

  /** Close and open the file again (SIGHUP): after logrotate moved it, lines go to a new file. */
  reopen(): void {
    closeSync(this.fd);
    this.fd = this.open();
  }

  close(): void {
    closeSync(this.fd);
  }

  /** The backups of the file, oldest first (their names sort by time). */
  backups(): string[] {
    const { dir, stem, ext } = this.parts();
    const re = new RegExp(`^${escape(stem)}-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3}${escape(ext)}$`);
    return readdirSync(dir)
      .filter((f) => re.test(f))
      .sort()
      .map((f) => join(dir, f));
  }

  private parts(): { dir: string; stem: string; ext: string } {
    const path = this.opts.path;
    const ext = extname(path);
    return { dir: dirname(path), stem: basename(path, ext), ext };
  }

  private rotate(): void {
    closeSync(this.fd);
    const { dir, stem, ext } = this.parts();
    let at = Date.now();
    const name = (t: number) => join(dir, `${stem}-${new Date(t).toISOString().replace(/:/g, '-').replace(/Z$/, '')}${ext}`);
    // two rotations within a millisecond: the later backup takes the next free millisecond
    const taken = new Set(this.backups());
    while (taken.has(name(at))) at++;
    renameSync(this.opts.path, name(at));
    const keep = this.opts.maxBackups ?? 0;
    if (keep > 0) for (const old of this.backups().slice(0, -keep)) unlinkSync(old);
    this.fd = this.open();
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
