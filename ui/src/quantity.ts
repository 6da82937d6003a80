// Kubernetes quantities as the API prints them ("63800m", "527080476Ki", "1.5Gi", "1e3") → numbers,
// and numbers → the readable form the CLI's summary uses (cores; bytes in binary units).

const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A quantity in its base unit (cores for cpu, bytes for memory); NaN when unreadable. */
export function parseQuantity(q: string): number {
  const m = /^([+-]?[0-9.]+)(?:([eE][+-]?[0-9]+)|([numkMGTPE]i?|Ki))?$/.exec(q.trim());
  if (!m) return NaN;
  const n = Number(m[1] + (m[2] ?? ''));
  if (m[3] === undefined) return n;
  const mult = SUFFIX[m[3]];
  return mult === undefined ? NaN : n * mult;
}

const BYTES = /^(requests\.|limits\.)?(memory|ephemeral-storage|hugepages-.*)$/;
const BINARY = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

export function isBytes(resource: string): boolean {
  return BYTES.test(resource);
}

/** The engine's column units (cpu in millicores) → the base unit (cores). */
export function fromColumn(resource: string, v: number): number {
  return resource === 'cpu' ? v / 1000 : v;
}

function trim(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** A readable amount: cores with one decimal, bytes in binary units, counts as integers. */
export function human(resource: string, v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (isBytes(resource)) {
    let x = v;
    let i = 0;
    while (Math.abs(x) >= 1024 && i < BINARY.length - 1) {
      x /= 1024;
      i++;
    }
    return `${trim(x)}${BINARY[i]}`;
  }
  return trim(v);
}

export function percent(used: number, total: number): number {
  return total > 0 ? (used / total) * 100 : 0;
}

export function pct(p: number): string {
  return `${p.toFixed(1)}%`;
}
