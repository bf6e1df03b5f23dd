// details.mjs records what Chromium's DOM says about the buttons of the
// fixture pages in testdata/html (.type, .form, .formAction, .disabled and
// the rest that --buttons detail reports) and the values of a few custom
// fields, read by the same text rule as extract.Text, with page scripts
// off, into extract/testdata/chromium/details.json, which
// TestChromiumDetails compares extract with. Run it as truth.mjs is:
//
//	NODE_PATH=/tmp/pw/node_modules node extract/testdata/chromium/details.mjs
import fs from 'node:fs';
import { openFixtures } from './fixtures.mjs';

// The fields TestChromiumDetails asks for, as --select would.
// The fields TestChromiumDetails asks for, as --select would: a few of
// every kind, and selectors whose match HTML changes (case-insensitive
// attribute values, classes and ids in quirks mode, :enabled, :disabled).
const fields = {
  title: 'title', heading: 'h1, h2', para: 'p, li', links: 'a[href]@href', images: 'img@src', ids: '[id]@id',
  submit: '[type=submit]@id', rtl: '[dir=rtl]@id', lang: '[lang|=en]@id', target: '[target=_blank]@id',
  method: 'form[method=post]@id', datakind: '[data-kind=big]@id',
  foo: '.foo@id', bar: '#bar@id', fooi: '.FOO@id', enabled: ':enabled@id', disabled: ':disabled@id',
  notdisabled: 'button:not(:disabled)@id', checked: ':checked@id',
};
const { origin, names, browser, page, close } = await openFixtures();
const out = { origin, chromium: browser.version(), fields, pages: {} };
for (const name of names) {
  await page.goto(`${origin}/dir/${name}`);
  out.pages[name] = await page.evaluate((fields) => {
    const html = 'http://www.w3.org/1999/xhtml';
    const blocks = new Set(['address', 'article', 'aside', 'blockquote', 'br', 'dd', 'details', 'dialog', 'div', 'dl', 'dt',
      'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li',
      'main', 'nav', 'ol', 'option', 'p', 'pre', 'section', 'summary', 'table', 'td', 'th', 'tr', 'ul', 'caption']);
    const hidden = new Set(['script', 'style', 'template']);
    // extract.Text, over Chromium's DOM.
    const text = n => {
      let s = '';
      const walk = n => {
        for (const c of n.childNodes) {
          if (c.nodeType === 3 || c.nodeType === 4) { s += c.data; continue; }
          if (c.nodeType !== 1) continue;
          const h = c.namespaceURI === html;
          if (h && hidden.has(c.localName)) continue;
          if (h && blocks.has(c.localName)) { s += ' '; walk(c); s += ' '; } else walk(c);
        }
      };
      walk(n);
      return s.split(/[ \t\n\f\r]+/).filter(Boolean).join(' ');
    };
    const urlAttrs = new Set(['href', 'src', 'action', 'formaction', 'poster', 'cite']);
    const values = {};
    for (const [key, spec] of Object.entries(fields)) {
      const at = spec.lastIndexOf('@');
      const css = at >= 0 ? spec.slice(0, at) : spec, attr = at >= 0 ? spec.slice(at + 1) : '';
      values[key] = [...document.querySelectorAll(css)].flatMap(e => {
        if (!attr) return [text(e)];
        if (!e.hasAttribute(attr)) return [];
        const v = e.getAttribute(attr);
        if (!urlAttrs.has(attr)) return [v];
        // The element's own property resolves as a.href does (the query in
        // the page's encoding, a raw echo after an unparseable base); an
        // SVG element has none that is a string, so it is resolved by hand.
        const prop = attr === 'formaction' ? 'formAction' : attr;
        try {
          return [e.namespaceURI === html && typeof e[prop] === 'string' ? new URL(e[prop]).href : new URL(v, document.baseURI).href];
        } catch { return []; }
      });
    }
    const buttons = [];
    // In the order a person reads the page, open shadow roots included
    // (the host, then its shadow tree, then its children), as truth.mjs.
    const elements = [];
    const walkAll = root => {
      for (const e of root.children) {
        elements.push(e);
        if (e.shadowRoot) walkAll(e.shadowRoot);
        walkAll(e);
      }
    };
    walkAll(document);
    for (const e of elements) {
      const h = e.namespaceURI === html;
      const b = { kind: '', id: e.getAttribute('id') || '', name: e.getAttribute('name') || '' };
      if (h && e.localName === 'button') {
        Object.assign(b, { kind: 'button', type: e.type, text: text(e), value: e.value });
      } else if (h && e.localName === 'input' && ['button', 'submit', 'reset', 'image'].includes(e.type)) {
        Object.assign(b, { kind: 'input', type: e.type, value: e.value });
      } else if ((e.getAttribute('role') || '').trim().split(/[ \t\n\f\r]+/)[0].toLowerCase() === 'button') {
        Object.assign(b, { kind: 'role', text: text(e) });
      } else {
        continue;
      }
      if (b.kind !== 'role') {
        b.form = e.form ? (e.form.id || e.form.action) : '';
        b.formaction = e.formAction;
        b.disabled = e.matches(':disabled'); // HTML's "actually disabled"
      }
      buttons.push(b);
    }
    return { fields: values, buttons };
  }, fields);
}
await close();
fs.writeFileSync('extract/testdata/chromium/details.json', JSON.stringify(out, null, 1) + '\n');
console.log(`recorded ${names.length} pages with Chromium ${out.chromium}`);
