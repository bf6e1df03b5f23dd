package render

// observerScript runs in every document before the page's own scripts: a
// MutationObserver over the document and every open shadow root notes the
// time of the last change that can change what is read (an element added
// or removed, an href or id set), and the load event counts as one, so
// that the quiet is measured from the load on.
//
// Quiet is time the page could have used. Each poll arms a timer of 0 ms
// in the page, unless the one it armed before has not run yet; when that
// one has waited longer than the poll's starve argument (a quarter of the
// quiet; a new timer is armed then, in case the page cleared the old one),
// the page's thread was busy meanwhile (its own scripts, or those
// of the other pages its renderer holds, the fetch() answer it waits for
// queued behind them), and the quiet starts again. A poll runs before the
// page's own work, as CDP's evaluations do: without this, a page starved
// of its thread for as long as the quiet would be read before its scripts
// ran. The clock and the timer are the window's as they were before the
// page's scripts.
const observerScript = `(() => {
  const now = performance.now.bind(performance), later = setTimeout.bind(window);
  const opts = {subtree: true, childList: true, attributes: true, attributeFilter: ['href', 'id']};
  let last = now(), loaded = false;
  const touch = () => { last = now(); };
  const seen = new WeakSet();
  const watch = root => {
    if (seen.has(root)) return;
    seen.add(root);
    mo.observe(root, opts);
  };
  const scan = n => {
    if (n.nodeType !== 1 && n.nodeType !== 11) return;
    if (n.shadowRoot) { watch(n.shadowRoot); scan(n.shadowRoot); }
    for (const c of n.children || []) scan(c);
  };
  const mo = new MutationObserver(records => {
    touch();
    for (const r of records) for (const n of r.addedNodes) scan(n);
  });
  mo.observe(document, opts);
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    if (init && init.mode === 'open') watch(root);
    return root;
  };
  // Declarative shadow roots, which the parser makes without
  // attachShadow, are all there by the load event.
  addEventListener('load', () => { loaded = true; scan(document.documentElement || document); touch(); });
  let pending = 0;
  const poll = starve => {
    const t = now();
    if (pending && t - pending > starve) { last = Math.max(last, t); pending = 0; }
    if (!pending) { pending = t; later(() => { if (pending === t) pending = 0; }, 0); }
    return [loaded ? 1 : 0, t - last];
  };
  Object.defineProperty(window, '__crawlPoll', {value: poll});
})()`

// pollScript is a function of the starve time in ms (see observerScript)
// that says whether the page has loaded (1) and for how many ms its DOM
// has been quiet.
const pollScript = `(starve => window.__crawlPoll ? window.__crawlPoll(starve) : [0, 0])`

// extractScript reads the buttons and links of the DOM by the rules of
// the static extraction: every element in the order a person reads the
// page (an element, its open shadow tree, then its children; a slot's
// fallback content where the slot is; slotted nodes where they sit in the
// light DOM), <button id> and <a href> in every namespace, the href as
// a.href reads it (resolved against the document's base at this moment,
// the query in the page's encoding; an SVG <a>'s resolved against the
// base by hand), an href that is no URL left out, repeats dropped.
// Closed shadow roots cannot be seen, <noscript> holds text with scripts
// on, and iframes are documents of their own.
const extractScript = `(() => {
  const html = 'http://www.w3.org/1999/xhtml';
  const buttons = [], links = [];
  const seenB = new Set(), seenL = new Set();
  const walk = root => {
    for (const e of root.children) {
      if (e.localName === 'button') {
        const id = e.getAttribute('id');
        if (id && !seenB.has(id)) { seenB.add(id); buttons.push(id); }
      } else if (e.localName === 'a' && e.hasAttribute('href')) {
        let href = null;
        try {
          href = e.namespaceURI === html ? new URL(e.href).href : new URL(e.getAttribute('href'), document.baseURI).href;
        } catch (_) {}
        if (href !== null && !seenL.has(href)) { seenL.add(href); links.push(href); }
      }
      if (e.shadowRoot) walk(e.shadowRoot);
      walk(e);
    }
  };
  walk(document);
  return {button: buttons, link: links};
})()`

// serializeScript returns the DOM as HTML that parses back to it: the
// doctype as the document's mode needs it (none in quirks mode), the
// <html> element with its attributes, and its contents with every open
// shadow root written as a declarative one.
const serializeScript = `(() => {
  const roots = [];
  const walk = r => { for (const e of r.children) { if (e.shadowRoot) { roots.push(e.shadowRoot); walk(e.shadowRoot); } walk(e); } };
  walk(document);
  const root = document.documentElement;
  if (!root) return '';
  const esc = v => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  const attrs = [...root.attributes].map(a => ' ' + a.name + '="' + esc(a.value) + '"').join('');
  const doctype = document.compatMode === 'BackCompat' ? '' : '<!DOCTYPE html>';
  return doctype + '<' + root.localName + attrs + '>' + root.getHTML({shadowRoots: roots}) + '</' + root.localName + '>';
})()`
