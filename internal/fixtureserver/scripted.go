package fixtureserver

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// ScriptedSite serves a generated site whose pages are built by their
// scripts, as single-page apps are. The HTML at /app/I is a shell; its
// script fills it: a link at once, the page's items after a fetch() of
// /api/I.json, a link after a timer, a menu in the open shadow root of a
// custom element, and it removes a link the shell had. A crawler that reads
// only the served HTML finds two links; one that renders finds them all
// (Want). Every link is to a page of the site, so a recursive
// crawl that renders reaches pages only rendering finds. It counts the
// requests for each page.
//
// With a React directory (ScriptedOptions.React), the page's main part is
// a React 18 app (react.production.min.js and react-dom.production.min.js,
// loaded from the directory), as much of the web is; without, plain DOM
// calls build the same DOM.
type ScriptedSite struct {
	n, items int
	react    map[string][]byte // /vendor/NAME, when the pages use React
	hits     []atomic.Int32
	srv      *http.Server
	ln       net.Listener
	done     chan struct{}
}

// ScriptedOptions shape a ScriptedSite.
type ScriptedOptions struct {
	// Items is how many item links a page's fetch() brings. Default 20.
	Items int
	// React is a directory holding React 18's UMD builds,
	// react.production.min.js and react-dom.production.min.js (npm's
	// react/umd and react-dom/umd); empty for pages without React.
	React string
}

// StartScriptedSite serves a scripted site of n pages on 127.0.0.1.
func StartScriptedSite(n int, opt ScriptedOptions) (*ScriptedSite, error) {
	if opt.Items <= 0 {
		opt.Items = 20
	}
	s := &ScriptedSite{n: n, items: opt.Items, hits: make([]atomic.Int32, n), done: make(chan struct{})}
	if opt.React != "" {
		s.react = map[string][]byte{}
		for _, name := range []string{"react.production.min.js", "react-dom.production.min.js"} {
			b, err := os.ReadFile(filepath.Join(opt.React, name))
			if err != nil {
				return nil, fmt.Errorf("react: %w", err)
			}
			s.react[name] = b
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	return s, nil
}

// URL returns the address of page i.
func (s *ScriptedSite) URL(i int) string { return fmt.Sprintf("http://%s/app/%d", s.ln.Addr(), i) }

// item is the page that item k of page i links to.
func (s *ScriptedSite) item(i, k int) int {
	return int((uint64(i)*2654435761 + uint64(k)*40503 + uint64(k*k)*7919 + 1) % uint64(s.n))
}

// Links returns the pages page i's DOM links to once its scripts are
// done, in document order, repeats dropped.
func (s *ScriptedSite) Links(i int) []int {
	var out []int
	add := func(j int) {
		if !slices.Contains(out, j) {
			out = append(out, j)
		}
	}
	add(0)             // the shell's home link
	add((i + 1) % s.n) // the app's first render
	for k := range s.items {
		add(s.item(i, k)) // after the fetch
	}
	add((i + 7) % s.n) // after a timer
	add((i + 3) % s.n) // the menu's shadow root
	add((i + 5) % s.n) // the footer, written by an inline script
	return out
}

// Want returns the buttons and links of page i's DOM once its scripts are
// done, in document order, repeats dropped: what a rendering crawler must
// report.
func (s *ScriptedSite) Want(i int) (buttons, links []string) {
	for _, j := range s.Links(i) {
		links = append(links, s.URL(j))
	}
	return []string{fmt.Sprintf("more-%d", i), fmt.Sprintf("menu-%d", i), fmt.Sprintf("sync-%d", i)}, links
}

// BFS returns the distance from page 0 of every page within depth links
// of the rendered DOMs: the pages a rendering crawl of page 0 to that
// depth must record.
func (s *ScriptedSite) BFS(depth int) map[int]int { return bfs(depth, s.Links) }

// Hits returns how many times page i was requested.
func (s *ScriptedSite) Hits(i int) int { return int(s.hits[i].Load()) }

// Close stops the server.
func (s *ScriptedSite) Close() error {
	err := s.srv.Close()
	<-s.done
	return err
}

func (s *ScriptedSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/app.js":
		src := scriptedDOM
		if s.react != nil {
			src = scriptedReact
		}
		w.Header().Set("Content-Type", "text/javascript")
		w.Header().Set("Cache-Control", "max-age=3600")
		fmt.Fprint(w, strings.Replace(scriptedCommon+src, "NPAGES", strconv.Itoa(s.n), 1))
	case strings.HasPrefix(p, "/vendor/") && s.react[strings.TrimPrefix(p, "/vendor/")] != nil:
		w.Header().Set("Content-Type", "text/javascript")
		w.Header().Set("Cache-Control", "max-age=3600")
		w.Write(s.react[strings.TrimPrefix(p, "/vendor/")])
	case strings.HasPrefix(p, "/api/") && strings.HasSuffix(p, ".json"):
		i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(p, "/api/"), ".json"))
		if err != nil || i < 0 || i >= s.n {
			http.NotFound(w, r)
			return
		}
		s.serveData(w, i)
	case strings.HasPrefix(p, "/app/"):
		i, err := strconv.Atoi(strings.TrimPrefix(p, "/app/"))
		if err != nil || i < 0 || i >= s.n {
			http.NotFound(w, r)
			return
		}
		s.hits[i].Add(1)
		s.servePage(w, i)
	default:
		http.NotFound(w, r)
	}
}

// serveData answers page i's fetch(): its items, each with a link
// relative to the page (./J from /app/I is /app/J).
func (s *ScriptedSite) serveData(w http.ResponseWriter, i int) {
	type item struct {
		Href  string `json:"href"`
		Title string `json:"title"`
		About string `json:"about"`
	}
	var data struct {
		Items []item `json:"items"`
	}
	for k := range s.items {
		data.Items = append(data.Items, item{
			Href:  fmt.Sprintf("./%d", s.item(i, k)),
			Title: fmt.Sprintf("Item %d of page %d", k, i),
			About: strings.Repeat("A few words about this item, as a listing has. ", 3),
		})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(data)
}

func (s *ScriptedSite) servePage(w http.ResponseWriter, i int) {
	vendor := ""
	if s.react != nil {
		vendor = `<script src="/vendor/react.production.min.js"></script><script src="/vendor/react-dom.production.min.js"></script>`
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>App page %d</title>
%s<script src="/app.js" defer></script></head>
<body><header><a href="/app/0">Home</a> <a id="gone" href="/app/%d/gone">Old</a></header>
<main id="app"></main>
<site-menu></site-menu>
<noscript><a href="/app/%d/noscript">Without scripts</a></noscript>
<footer id="foot"></footer>
<script>window.PAGE = %d; document.getElementById('foot').innerHTML = '<a href="%d">Related</a><button id="sync-%d">Sync</button>';</script>
</body></html>
`, i, vendor, i, i, i, (i+5)%s.n, i)
}

// scriptedCommon is the start of /app.js, with or without React: the
// page's number, the removal of the shell's old link, and the menu, a
// custom element with an open shadow root. NPAGES is the number of pages.
const scriptedCommon = `const N = NPAGES, PAGE = window.PAGE;
document.getElementById('gone').remove();
customElements.define('site-menu', class extends HTMLElement {
  connectedCallback() {
    const root = this.attachShadow({mode: 'open'});
    root.innerHTML = '<nav><a href="/app/' + ((PAGE + 3) % N) + '">Menu</a><button id="menu-' + PAGE + '">Open</button></nav>';
  }
});
`

// scriptedDOM builds the app with DOM calls: a link at once, the items and
// a button after the fetch, a link 100 ms later.
const scriptedDOM = `(() => {
  const app = document.getElementById('app');
  const link = (href, text) => { const a = document.createElement('a'); a.href = href; a.textContent = text; return a; };
  Promise.resolve().then(() => app.prepend(link('/app/' + ((PAGE + 1) % N), 'Next')));
  fetch('/api/' + PAGE + '.json').then(r => r.json()).then(data => {
    const ul = document.createElement('ul');
    for (const it of data.items) {
      const li = document.createElement('li');
      const p = document.createElement('p');
      p.textContent = it.about;
      li.append(link(it.href, it.title), p);
      ul.append(li);
    }
    const more = document.createElement('button');
    more.id = 'more-' + PAGE;
    more.textContent = 'More';
    app.append(ul, more);
    setTimeout(() => app.append(link('../app/' + ((PAGE + 7) % N), 'Later')), 100);
  });
})();
`

// scriptedReact builds the same DOM as scriptedDOM with React 18.
const scriptedReact = `(() => {
  const e = React.createElement;
  function App() {
    const [items, setItems] = React.useState(null);
    const [later, setLater] = React.useState(false);
    React.useEffect(() => {
      fetch('/api/' + PAGE + '.json').then(r => r.json()).then(data => {
        setItems(data.items);
        setTimeout(() => setLater(true), 100);
      });
    }, []);
    return e(React.Fragment, null,
      e('a', {href: '/app/' + ((PAGE + 1) % N)}, 'Next'),
      items && e('ul', null, items.map((it, k) => e('li', {key: k}, e('a', {href: it.href}, it.title), e('p', null, it.about)))),
      items && e('button', {id: 'more-' + PAGE}, 'More'),
      later && e('a', {href: '../app/' + ((PAGE + 7) % N)}, 'Later'));
  }
  ReactDOM.createRoot(document.getElementById('app')).render(e(App));
})();
`
