// fixtures.mjs is what truth.mjs and details.mjs share: the fixture pages
// of testdata/html served at http://127.0.0.1:<port>/dir/<name> with the
// Content-Type testdata/html/content-types.json gives them (text/html
// without a charset by default), and a headless Chromium with page scripts
// off to read them in.
import { createRequire } from 'node:module';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

// openFixtures starts the server and the browser; close stops both.
export async function openFixtures() {
  const fixtures = path.resolve('testdata/html');
  const types = JSON.parse(fs.readFileSync(path.join(fixtures, 'content-types.json'), 'utf8'));
  const names = fs.readdirSync(fixtures).filter(f => f.endsWith('.html')).sort();
  const server = http.createServer((req, res) => {
    const name = path.basename(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!names.includes(name)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': types[name] || 'text/html' });
    res.end(fs.readFileSync(path.join(fixtures, name)));
  });
  await new Promise(r => server.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ javaScriptEnabled: false });
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    names,
    browser,
    page: await context.newPage(),
    close: async () => { await browser.close(); server.close(); },
  };
}
