// truth.mjs records what Chromium sees in the fixture pages of testdata/html:
// the ids of their buttons, the a.href of their links and their charset,
// with page scripts off, into extract/testdata/chromium/truth.json, which
// TestChromiumParity compares extract with.
//
// It needs Chromium and playwright-core, which CI does not install:
//
//	apt-get install -y chromium
//	npm install --prefix /tmp/pw playwright-core@1
//	NODE_PATH=/tmp/pw/node_modules node extract/testdata/chromium/truth.mjs
//
// Each page is served (fixtures.mjs) at http://127.0.0.1:<port>/dir/<name> with the
// Content-Type testdata/html/content-types.json gives it (text/html without
// a charset by default), as the readability corpus truth was taken.
import fs from 'node:fs';
import { openFixtures } from './fixtures.mjs';

const { origin, names, browser, page, close } = await openFixtures();
const out = { origin, chromium: browser.version(), pages: {} };
for (const name of names) {
  await page.goto(`${origin}/dir/${name}`);
  out.pages[name] = await page.evaluate(() => {
    const unique = xs => [...new Set(xs)];
    const html = 'http://www.w3.org/1999/xhtml';
    // Every element, in the order a person reads the page: an element,
    // then its open shadow root (declarative shadow DOM), then its
    // children. Without shadow roots this is document order, the order of
    // querySelectorAll.
    const elements = [];
    const walk = root => {
      for (const e of root.children) {
        elements.push(e);
        if (e.shadowRoot) walk(e.shadowRoot);
        walk(e);
      }
    };
    walk(document);
    // As the selectors button[id] and a[href] match in every namespace: an
    // SVG <a href> is a link, a MathML <button id> a button; xlink:href is
    // not href.
    const buttons = elements.filter(e => e.localName === 'button' && e.hasAttribute('id'))
      .map(b => b.getAttribute('id'))
      .filter(id => id);
    // a.href reads the resolved URL, its query in the page's encoding; an
    // href that is not a URL is echoed raw, and crawl leaves it out. An SVG
    // <a>'s href is an SVGAnimatedString: it is resolved by hand.
    const links = elements.filter(e => e.localName === 'a' && e.hasAttribute('href'))
      .map(a => {
        try {
          return a.namespaceURI === html ? new URL(a.href).href : new URL(a.getAttribute('href'), document.baseURI).href;
        } catch { return null; } // an echo, not a URL
      })
      .filter(href => href !== null);
    return { button: unique(buttons), link: unique(links), charset: document.characterSet };
  });
}
await close();
fs.writeFileSync('extract/testdata/chromium/truth.json', JSON.stringify(out, null, 1) + '\n');
console.log(`recorded ${names.length} pages with Chromium ${out.chromium}`);
