// Run as a child process by chromium.test.ts: finds Chromium as the console tests do
// (scripts/chromium.ts), launches it, renders a page served on 127.0.0.1 and prints one JSON line:
// where the browser came from, its version, and what the page rendered.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findChromium, launchChromium } from '../../scripts/chromium.js';

const PAGE = '<!doctype html><title>probe</title><span id="p" style="font: 24px sans-serif">placer console probe</span>';

const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const found = await findChromium();
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(url);
  const text = await page.textContent('#p');
  // a width above zero: glyphs were laid out with a real font
  const width = (await page.locator('#p').boundingBox())?.width ?? 0;
  const screenshot = (await page.screenshot()).byteLength;
  process.stdout.write(
    JSON.stringify({ source: found.source, executablePath: found.executablePath, version: browser.version(), text, width, screenshot }) +
      '\n',
  );
} finally {
  await browser.close();
  server.close();
}
