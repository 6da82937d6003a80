// The transport floor for the extender suite: a plain node:http server that reads each request
// body whole and answers with fixed bytes (files given on the command line: the answers placer
// gave for the same request), doing no other work. Measured with the same load generator and
// bodies as placer, in the same run, it shows what loopback HTTP alone allows on the machine.
//
//   node bench/lib/transport-floor.mjs <port> <filter answer file> <prioritize answer file>
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [port, filterFile, prioritizeFile] = process.argv.slice(2);
const answers = { '/scheduler/filter': readFileSync(filterFile), '/scheduler/prioritize': readFileSync(prioritizeFile) };
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const answer = answers[req.url];
    if (!answer) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
    res.end(answer);
  });
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
