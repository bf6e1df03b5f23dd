// corpus.mjs records what Chromium's DOM holds, scripts on, in the pages of
// ../shared/corpus/readability that have a <script>, into
// render/testdata/corpus-scripts.json, which TestCorpusWithScripts compares
// crawl --render with. Each page is handed to the browser as served at
// <origin>/<name> (text/html without a charset); every other request fails,
// as it does offline, so external scripts never load, and inline ones run.
// A page is read as crawl reads it: after the load event, once its DOM has
// been quiet for 500 ms (at most 10 s), by the same walk and the same
// observer (render/scripts.go, read from there).
//
//	apt-get install -y chromium
//	npm install --prefix /tmp/pw playwright-core@1
//	NODE_PATH=/tmp/pw/node_modules node render/testdata/corpus.mjs
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

// The scripts are crawl's own, taken from the Go source.
const src = fs.readFileSync('render/scripts.go', 'utf8');
const script = name => src.split(`const ${name} = \``)[1].split('`\n')[0];
const observer = script('observerScript'), poll = script('pollScript'), extract = script('extractScript');
const quietMs = 500, timeoutMs = 10000;

const dir = path.resolve('../shared/corpus/readability');
const origin = JSON.parse(fs.readFileSync(path.join(dir, '../truth-readability.json'), 'utf8')).origin;
const names = fs.readdirSync(dir).filter(f => f.endsWith('.html')).sort()
  .filter(f => /<script/i.test(fs.readFileSync(path.join(dir, f), 'latin1')));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext();
await context.addInitScript(observer);
const out = { origin, chromium: browser.version(), quiet_ms: quietMs, timeout_ms: timeoutMs, pages: {} };
for (const name of names) {
  const page = await context.newPage();
  const url = `${origin}/${name}`;
  await page.route('**/*', route => {
    const r = route.request();
    if (r.url() === url && r.resourceType() === 'document') {
      return route.fulfill({ status: 200, contentType: 'text/html', body: fs.readFileSync(path.join(dir, name)) });
    }
    return route.abort('blockedbyclient');
  });
  await page.goto(url, { waitUntil: 'commit' });
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
fs.writeFileSync('render/testdata/corpus-scripts.json', JSON.stringify(out, null, 1) + '\n');
console.log(`recorded ${names.length} pages with Chromium ${out.chromium}`);
