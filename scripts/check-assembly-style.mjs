// Style of the AssemblyScript sources, which Prettier and ESLint cannot parse (decorators on
// functions, `<T>x` casts before calls): lines of at most 140 characters, no tabs, no trailing
// white space, a final newline. Run by `npm run lint`.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX = 140;
const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'core-wasm', 'assembly');
const problems = [];
for (const name of readdirSync(dir)
  .filter((n) => n.endsWith('.ts'))
  .sort()) {
  const file = join(dir, name);
  const text = readFileSync(file, 'utf8');
  const where = relative(root, file);
  if (!text.endsWith('\n')) problems.push(`${where}: no newline at the end of the file`);
  text.split('\n').forEach((line, i) => {
    if (line.length > MAX) problems.push(`${where}:${i + 1}: line of ${line.length} characters (at most ${MAX})`);
    if (line.includes('\t')) problems.push(`${where}:${i + 1}: tab`);
    if (/\s$/.test(line)) problems.push(`${where}:${i + 1}: trailing white space`);
  });
}
for (const p of problems) console.error(p);
if (problems.length > 0) {
  console.error(`${problems.length} style problem(s) in core-wasm/assembly`);
  process.exit(1);
}
