// chromium.mjs records how Chromium's URL parser reads every input of
// urltestdata.json, every host of toascii.json (as https://<host>/x), and
// extra-inputs.json, into chromium.json, which
// TestChromium compares weburl with. It needs Chromium and playwright-core:
//
//	apt-get install -y chromium
//	npm install --prefix /tmp/pw playwright-core@1
//	NODE_PATH=/tmp/pw/node_modules node internal/weburl/testdata/chromium.mjs
import { createRequire } from 'node:module';
import fs from 'node:fs';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const dir = 'internal/weburl/testdata';
const cases = JSON.parse(fs.readFileSync(`${dir}/urltestdata.json`, 'utf8'))
  .filter(c => typeof c === 'object')
  .map(c => ({ input: c.input, base: c.base }))
  .concat(JSON.parse(fs.readFileSync(`${dir}/toascii.json`, 'utf8'))
    .filter(c => typeof c === 'object')
    .map(c => ({ input: `https://${c.input}/x`, base: null })))
  .concat(JSON.parse(fs.readFileSync(`${dir}/extra-inputs.json`, 'utf8')));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const page = await browser.newPage();
const results = await page.evaluate(cases => cases.map(({ input, base }) => {
  try {
    return { input, base, href: (base === null ? new URL(input) : new URL(input, base)).href };
  } catch {
    return { input, base, failure: true };
  }
}), cases);
await browser.close();
fs.writeFileSync(`${dir}/chromium.json`, JSON.stringify({ chromium: browser.version(), results }, null, 1) + '\n');
console.log(`recorded ${results.length} URLs`);
