#!/usr/bin/env node
// Summarise a V8 .cpuprofile (node --cpu-prof): self time by function and by file, the top rows of
// each, so a profile of a bench round reads in a terminal.
//
//   node scripts/cpu-profile-summary.mjs FILE.cpuprofile [rows]

import { readFileSync } from 'node:fs';

const [file, rowsArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node scripts/cpu-profile-summary.mjs FILE.cpuprofile [rows]\n');
  process.exit(2);
}
const rows = Number(rowsArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
// each sample's interval (µs) goes to the node it landed in
const self = new Map();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

const byFunction = new Map();
const byFile = new Map();
let total = 0;
for (const [id, us] of self) {
  const f = byId.get(id).callFrame;
  const where = f.url
    .replace(/^file:\/\//, '')
    .replace(/.*\/node_modules\//, 'node_modules/')
    .replace(/.*\/dist\//, 'dist/');
  const fn = `${f.functionName || '(anonymous)'}  ${where}:${f.lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  const fileKey = where || f.functionName;
  byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
  total += us;
}

const print = (title, m) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, rows))
    process.stdout.write(`${(us / 1000).toFixed(1).padStart(9)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}\n`);
};
process.stdout.write(
  `${file}: ${(total / 1000).toFixed(0)} ms sampled (${((profile.endTime - profile.startTime) / 1000).toFixed(0)} ms wall)\n`,
);
print('self time by function', byFunction);
print('self time by file', byFile);
