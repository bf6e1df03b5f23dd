package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crawlkit/crawl/results"
)

// binary is the crawl command built by TestMain, run by the end-to-end tests
// as a user would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "crawl-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "crawl")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// site is a test server with the pages the end-to-end tests need.
func site(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<a href="/about">about</a><button id="go">Go</button>`)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/page", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/data.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"href": "<a href=/x>"}`)
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<a href="/first">first</a>`)
		chunk := bytes.Repeat([]byte("<p>filler</p>"), 1000)
		for range 100 { // 1.3 MB
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		fmt.Fprint(w, `<a href="/beyond-the-limit">late</a>`)
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	mux.HandleFunc("/", http.NotFound)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// result is one run of the binary.
type result struct {
	code           int
	stdout, stderr string
}

func runBinary(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return runStdinEnv(t, stdin, nil, args...)
}

// runBinaryEnv runs the binary with env added to the environment, and the
// proxy variables of the test's own environment removed.
func runBinaryEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return runStdinEnv(t, "", env, args...)
}

func runStdinEnv(t *testing.T, stdin string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !strings.EqualFold(k, "http_proxy") && !strings.EqualFold(k, "https_proxy") && !strings.EqualFold(k, "no_proxy") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errOut.String()}
}

// parseJSON decodes the JSON object output.
func parseJSON(t *testing.T, s string) map[string]results.Record {
	t.Helper()
	var m map[string]results.Record
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("output is not a JSON object: %v\n%s", err, s)
	}
	return m
}

// parseJSONL decodes JSON lines output, failing on a URL seen twice.
func parseJSONL(t *testing.T, s string) map[string]results.Record {
	t.Helper()
	m := map[string]results.Record{}
	if _, err := results.ReadJSONL(strings.NewReader(s), func(r results.Record) {
		if _, dup := m[r.URL]; dup {
			t.Errorf("%s appears twice", r.URL)
		}
		m[r.URL] = r
	}); err != nil {
		t.Fatalf("output is not JSON lines: %v\n%s", err, s)
	}
	return m
}

func deadPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "http://" + l.Addr().String() + "/"
}

// TestEndToEnd crawls one list of every kind of URL through the binary, in
// both formats and from each kind of input.
func TestEndToEnd(t *testing.T) {
	srv := site(t)
	dead := deadPort(t)
	list := strings.Join([]string{
		"# a comment, then a blank line",
		"",
		srv.URL + "/page",
		srv.URL + "/moved",
		srv.URL + "/data.json",
		srv.URL + "/missing",
		srv.URL + "/huge",
		dead,
		"not a url",
		"  " + srv.URL + "/page  ", // a duplicate, with spaces
	}, "\n")
	listFile := filepath.Join(t.TempDir(), "urls.txt")
	os.WriteFile(listFile, []byte(list), 0o644)

	check := func(t *testing.T, m map[string]results.Record, source string) {
		t.Helper()
		if len(m) != 7 {
			t.Errorf("got %d records, want 7 (every distinct input once)", len(m))
		}
		expect := map[string]func(results.Record) string{
			srv.URL + "/page": func(r results.Record) string {
				return want(r.Status == 200 && eq(r.Link, srv.URL+"/about") && eq(r.Button, "go") && r.Error == "")
			},
			srv.URL + "/moved": func(r results.Record) string {
				return want(r.Status == 200 && r.FinalURL == srv.URL+"/page" && eq(r.Link, srv.URL+"/about"))
			},
			srv.URL + "/data.json": func(r results.Record) string {
				return want(r.Status == 200 && r.ContentType == "application/json" && len(r.Link) == 0 && r.Error == "")
			},
			srv.URL + "/missing": func(r results.Record) string {
				return want(r.Status == 404 && r.Error == "HTTP 404 Not Found")
			},
			srv.URL + "/huge": func(r results.Record) string {
				return want(r.Truncated && r.Bytes == 512<<10 && eq(r.Link, srv.URL+"/first"))
			},
			dead: func(r results.Record) string {
				return want(strings.Contains(r.Error, "connection refused"))
			},
			"not a url": func(r results.Record) string {
				return want(r.Error == source+`:9: invalid URL "not a url"`)
			},
		}
		for url, ok := range expect {
			r, found := m[url]
			if !found {
				t.Errorf("%s: missing from the output", url)
				continue
			}
			if msg := ok(r); msg != "" {
				t.Errorf("%s: unexpected record %+v", url, r)
			}
		}
	}

	t.Run("file input, JSON", func(t *testing.T) {
		res := runBinary(t, "", "-i", listFile, "--max-body", "512KiB", "-c", "4")
		if res.code != 4 {
			t.Errorf("exit %d, want 4 (some URLs failed); stderr:\n%s", res.code, res.stderr)
		}
		check(t, parseJSON(t, res.stdout), listFile)
		if !strings.Contains(res.stderr, "7 URLs") || !strings.Contains(res.stderr, "404: 1") {
			t.Errorf("summary missing or wrong:\n%s", res.stderr)
		}
	})
	t.Run("stdin, JSONL", func(t *testing.T) {
		res := runBinary(t, list, "-f", "jsonl", "--max-body", "512KiB")
		check(t, parseJSONL(t, res.stdout), "stdin")
	})
	t.Run("stdin via -i -, JSONL file", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out.jsonl")
		res := runBinary(t, list, "-i", "-", "-o", out, "--max-body", "512KiB", "-q")
		b, _ := os.ReadFile(out)
		check(t, parseJSONL(t, string(b)), "stdin")
		if res.stdout != "" || res.stderr != "" {
			t.Errorf("-q with -o must print nothing; stdout %q stderr %q", res.stdout, res.stderr)
		}
	})
	t.Run("arguments, JSON file", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out.json")
		res := runBinary(t, "", srv.URL+"/page", srv.URL+"/moved", "-o", out)
		if res.code != 0 {
			t.Errorf("exit %d, want 0; stderr:\n%s", res.code, res.stderr)
		}
		b, _ := os.ReadFile(out)
		m := parseJSON(t, string(b))
		if len(m) != 2 || m[srv.URL+"/moved"].FinalURL != srv.URL+"/page" {
			t.Errorf("got %v", m)
		}
	})
}

func want(ok bool) string {
	if ok {
		return ""
	}
	return "unexpected"
}

func eq(got []string, want ...string) bool {
	return strings.Join(got, "\n") == strings.Join(want, "\n")
}

// TestLocalFiles crawls the fixture pages offline, as the README's quick
// start does.
func TestLocalFiles(t *testing.T) {
	res := runBinary(t, "", "../../testdata/html", "-f", "jsonl")
	if res.code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", res.code, res.stderr)
	}
	m := parseJSONL(t, res.stdout)
	pages, _ := filepath.Glob("../../testdata/html/*.html")
	if len(m) != len(pages) {
		t.Errorf("got %d records for %d fixture pages", len(m), len(pages))
	}
	for url, r := range m {
		if !strings.HasPrefix(url, "file:///") || r.Error != "" || r.ContentType != "text/html" {
			t.Errorf("%s: %+v", url, r)
		}
	}
}

func TestExitCodes(t *testing.T) {
	srv := site(t)
	unwritable := filepath.Join(t.TempDir(), "no", "such", "dir", "out.json")
	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stderr string
	}{
		{"all ok", "", []string{srv.URL + "/page"}, 0, "1 ok"},
		{"some failed", "", []string{srv.URL + "/page", srv.URL + "/missing"}, 4, "1 failed"},
		{"unknown flag", "", []string{"--frobnicate"}, 2, "unknown flag"},
		{"bad format", "", []string{"-f", "xml", srv.URL}, 2, "want json, jsonl or csv"},
		{"bad size", "", []string{"--max-body", "lots", srv.URL}, 2, "not a size"},
		{"bad header", "", []string{"-H", "NoColon", srv.URL}, 2, "want 'Name: value'"},
		{"missing input file", "", []string{"-i", "/does/not/exist"}, 2, "no such file"},
		{"unwritable output", "", []string{"-o", unwritable, srv.URL + "/page"}, 2, unwritable + ": no such file"},
		{"version", "", []string{"--version"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runBinary(t, tt.stdin, tt.args...)
			if res.code != tt.code || !strings.Contains(res.stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", res.code, res.stderr, tt.code, tt.stderr)
			}
		})
	}
}

// TestSIGINT interrupts the binary while requests hang: it must exit 130
// with every input URL in the output, the unfinished ones marked.
func TestSIGINT(t *testing.T) {
	srv := site(t)
	var urls []string
	for i := range 30 {
		urls = append(urls, fmt.Sprintf("%s/hang?%d", srv.URL, i))
	}
	urls = append(urls, srv.URL+"/page")
	for _, format := range []string{"json", "jsonl"} {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out."+format)
			cmd := exec.Command(binary, "-c", "4", "-o", out)
			cmd.Stdin = strings.NewReader(strings.Join(urls, "\n"))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(500 * time.Millisecond)
			cmd.Process.Signal(syscall.SIGINT)
			err := cmd.Wait()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
				t.Fatalf("exit: %v, want 130; stderr:\n%s", err, stderr.String())
			}
			b, _ := os.ReadFile(out)
			var m map[string]results.Record
			if format == "json" {
				m = parseJSON(t, string(b))
			} else {
				m = parseJSONL(t, string(b))
			}
			if len(m) != len(urls) {
				t.Errorf("got %d records for %d URLs", len(m), len(urls))
			}
			for _, u := range urls[:30] {
				if m[u].Error != "interrupted" {
					t.Errorf("%s: error %q, want interrupted", u, m[u].Error)
				}
			}
			if r := m[srv.URL+"/page"]; r.Error != "" && r.Error != "interrupted" {
				t.Errorf("/page: %+v", r)
			}
		})
	}
}
