// pages.mjs records what Chromium's DOM holds, scripts on, in the fixture
// pages of render/testdata/pages, into render/testdata/pages.json, which
// TestRenderRecordedPages compares crawl's renderer with. The pages are
// served at http://127.0.0.1:<port>/<name> as text/html (no charset), with
// /data.json for the page that fetches it; requests to other origins fail,
// as they do offline. A page is read as crawl reads it, with the settings
// of the test (quiet 300 ms, timeout 3 s), by crawl's own observer, wait
// and walk, read from render/scripts.go.
//
//	apt-get install -y chromium
//	npm install --prefix /tmp/pw playwright-core@1
//	NODE_PATH=/tmp/pw/node_modules node render/testdata/pages.mjs
import { createRequire } from 'node:module';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const src = fs.readFileSync('render/scripts.go', 'utf8');
const script = name => src.split(`const ${name} = \``)[1].split('`\n')[0];
const observer = script('observerScript'), poll = script('pollScript'), extract = script('extractScript');
const quietMs = 300, timeoutMs = 3000;

const dir = path.resolve('render/testdata/pages');
const names = fs.readdirSync(dir).filter(f => f.endsWith('.html')).sort();
const server = http.createServer((req, res) => {
  const p = new URL(req.url, 'http://x').pathname;
  if (p === '/data.json') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ links: ['/from-json-1', '/from-json-2'] }));
    return;
  }
  const name = path.basename(p);
  if (!names.includes(name)) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'Content-Type': 'text/html' });
  res.end(fs.readFileSync(path.join(dir, name)));
});
await new Promise(r => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext();
await context.addInitScript(observer);
await context.route('**/*', route => {
  const r = route.request();
  const t = r.resourceType();
  if (!r.url().startsWith(origin + '/') || ['image', 'media', 'font'].includes(t) || (t === 'document' && r.frame() !== r.frame().page().mainFrame())) {
    return route.abort('blockedbyclient');
  }
  return route.continue();
});
const out = { origin, chromium: browser.version(), quiet_ms: quietMs, timeout_ms: timeoutMs, pages: {} };
for (const name of names) {
  const page = await context.newPage();
  await page.goto(`${origin}/${name}`, { waitUntil: 'commit' });
  const start = Date.now();
  let timedOut = false;
  for (;;) {
    const [loaded, quiet] = await page.evaluate(`${poll}(${quietMs / 4})`);
    if (loaded === 1 && quiet >= quietMs) break;
    if (Date.now() - start > timeoutMs) { timedOut = true; break; }
    await new Promise(r => setTimeout(r, 50));
  }
  out.pages[name] = { ...(await page.evaluate(extract)), timed_out: timedOut };
  await page.close();
}
await browser.close();
server.close();
fs.writeFileSync('render/testdata/pages.json', JSON.stringify(out, null, 1) + '\n');
console.log(`recorded ${names.length} pages with Chromium ${out.chromium}`);
