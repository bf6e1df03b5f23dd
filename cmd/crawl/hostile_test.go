package main

import (
	"bufio"
	"bytes"
	bin "encoding/binary"
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
	"unicode/utf16"

	"github.com/crawlkit/crawl/results"
)

// The tests in this file are the regressions of the defects a hostile new
// user found (issue 8), each through the binary.

// TestOutputRespectsWhatItNames writes -o through a symlink, into a device
// node and a FIFO, and over a 0600 file: none is replaced by a regular
// file, and the file keeps its mode.
func TestOutputRespectsWhatItNames(t *testing.T) {
	srv := site(t)
	dir := t.TempDir()

	target := filepath.Join(dir, "real.json")
	link := filepath.Join(dir, "link.json")
	os.WriteFile(target, []byte("old"), 0o600)
	os.Symlink("real.json", link)
	if res := runBinary(t, "", "-q", "-o", link, srv.URL+"/page"); res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v, %v", info.Mode(), err)
	}
	if info, _ := os.Stat(target); info.Mode().Perm() != 0o600 {
		t.Errorf("the file's mode became %v, want 0600", info.Mode().Perm())
	}
	if b, _ := os.ReadFile(target); len(parseJSON(t, string(b))) != 1 {
		t.Errorf("the symlink's target does not have the results: %q", b)
	}

	dangling := filepath.Join(dir, "dangling.json")
	os.Symlink("made-by-crawl.json", dangling)
	if res := runBinary(t, "", "-q", "-o", dangling, srv.URL+"/page"); res.code != 0 {
		t.Fatalf("dangling link: exit %d\n%s", res.code, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "made-by-crawl.json")); err != nil {
		t.Errorf("a dangling symlink's target was not created: %v", err)
	}

	null := filepath.Join(dir, "null")
	if err := syscall.Mknod(null, syscall.S_IFCHR|0o666, 1<<8|3); err == nil { // /dev/null's numbers
		if res := runBinary(t, "", "-q", "-o", null, srv.URL+"/page"); res.code != 0 {
			t.Errorf("-o a device: exit %d\n%s", res.code, res.stderr)
		}
		if info, _ := os.Stat(null); info.Mode()&os.ModeCharDevice == 0 {
			t.Errorf("the device node became %v", info.Mode())
		}
	} else {
		t.Logf("no device node (%v): not root", err)
	}

	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte)
	go func() { b, _ := os.ReadFile(fifo); got <- b }()
	if res := runBinary(t, "", "-q", "-o", fifo, srv.URL+"/page"); res.code != 0 {
		t.Errorf("-o a FIFO: exit %d\n%s", res.code, res.stderr)
	}
	if b := <-got; len(parseJSON(t, string(b))) != 1 {
		t.Errorf("read from the FIFO: %q", b)
	}

	if res := runBinary(t, "", "-q", "-o", "/dev/stdout", srv.URL+"/page"); res.code != 0 || len(parseJSON(t, res.stdout)) != 1 {
		t.Errorf("-o /dev/stdout: exit %d, stdout %q", res.code, res.stdout)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestInputIsNotOutput refuses -i X -o X, by name or by another name for
// the same file, before anything is written.
func TestInputIsNotOutput(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "urls.txt")
	other := filepath.Join(dir, "same.txt")
	os.WriteFile(list, []byte("http://127.0.0.1:1/\n"), 0o644)
	os.Link(list, other)
	for _, args := range [][]string{{"-i", list, "-o", list}, {"-i", list, "-o", other, "-f", "jsonl"}, {"-i", list, "-o", list, "-f", "jsonl", "--resume"}} {
		res := runBinary(t, "", args...)
		if res.code != 2 || !strings.Contains(res.stderr, "overwrite its own input") {
			t.Errorf("%v: exit %d\n%s", args, res.code, res.stderr)
		}
		if b, _ := os.ReadFile(list); string(b) != "http://127.0.0.1:1/\n" {
			t.Errorf("%v: the list was changed to %q", args, b)
		}
	}
	if res := runBinary(t, "", "-i", dir); res.code != 2 || !strings.Contains(res.stderr, "is a directory") {
		t.Errorf("-i a directory: exit %d\n%s", res.code, res.stderr)
	}
}

// TestHostileLists reads lists with a line of 2 MiB, invalid UTF-8, a
// UTF-8 byte order mark and UTF-16: every good URL is crawled, and every
// bad line is a record of its own.
func TestHostileLists(t *testing.T) {
	srv := site(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	long := write("long.txt", []byte(srv.URL+"/page?a\n"+srv.URL+"/"+strings.Repeat("x", 2<<20)+"\n"+srv.URL+"/page?b\n"))
	res := runBinary(t, "", "-f", "jsonl", "-i", long)
	recs := parseJSONL(t, res.stdout)
	if res.code != 4 || len(recs) != 3 || recs[srv.URL+"/page?a"].Error != "" || recs[srv.URL+"/page?b"].Error != "" {
		t.Errorf("long line: exit %d, %d records\n%s", res.code, len(recs), res.stderr)
	}
	for u, r := range recs {
		if strings.Contains(u, "xxx") && (!strings.Contains(r.Error, "long.txt:2") || len(u) > 400) {
			t.Errorf("the long line's record: %q: %s", u[:min(len(u), 100)], r.Error)
		}
	}

	bad := write("bad.txt", []byte(srv.URL+"/page?\xff\n"+srv.URL+"/page?\xfe\n"))
	out := filepath.Join(dir, "bad.jsonl")
	for range 3 { // a crawl, then resumes that must find nothing left to do
		runBinary(t, "", "-q", "-i", bad, "-o", out, "--resume")
	}
	recs = parseJSONL(t, string(must(os.ReadFile(out))))
	if len(recs) != 2 || recs[srv.URL+"/page?%FF"].Status != 200 || recs[srv.URL+"/page?%FE"].Status != 200 {
		t.Errorf("invalid UTF-8: %v", recs)
	}

	res = runBinary(t, "", "-f", "jsonl", srv.URL+"/page?arg\xff")
	if r := parseJSONL(t, res.stdout)[srv.URL+"/page?arg%FF"]; r.Status != 200 {
		t.Errorf("invalid UTF-8 in an argument: %s", res.stdout)
	}

	bom := write("bom.txt", []byte("\xef\xbb\xbf"+srv.URL+"/page\n"))
	if res := runBinary(t, "", "-f", "jsonl", "-i", bom); res.code != 0 || recs0(t, res)[srv.URL+"/page"].Status != 200 {
		t.Errorf("UTF-8 BOM: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	text := utf16.Encode([]rune(srv.URL + "/page?1\r\n" + srv.URL + "/page?2\r\n"))
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xFE})
	bin.Write(&b, bin.LittleEndian, text)
	u16 := write("utf16.txt", b.Bytes())
	if res := runBinary(t, "", "-f", "jsonl", "-i", u16); res.code != 0 || len(recs0(t, res)) != 2 {
		t.Errorf("UTF-16 list: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

func recs0(t *testing.T, res result) map[string]results.Record { return parseJSONL(t, res.stdout) }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestSecondSIGINTLeavesNothing interrupts a JSON crawl twice: it exits at
// once, and leaves no temporary file beside the output or in TMPDIR.
func TestSecondSIGINTLeavesNothing(t *testing.T) {
	srv := site(t)
	dir, tmp := t.TempDir(), t.TempDir()
	cmd := exec.Command(binary, "-q", "-c", "2", "-o", filepath.Join(dir, "out.json"), srv.URL+"/page", srv.URL+"/hang", srv.URL+"/hang?2")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(50 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err == nil {
		t.Error("exit 0 after two SIGINTs")
	}
	for _, d := range []string{dir, tmp} {
		if left, _ := os.ReadDir(d); len(left) > 0 {
			t.Errorf("left in %s: %v", d, left)
		}
	}
}

// TestHostileFlags: flags that were accepted and then misbehaved are usage
// errors, and -H 'User-Agent: x' is honoured as -A x.
func TestHostileFlags(t *testing.T) {
	srv := site(t)
	dir := t.TempDir()
	list := filepath.Join(dir, "list.txt")
	os.WriteFile(list, []byte(srv.URL+"/page\n"), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-H", "X-A: 1\r\nInjected: yes", srv.URL}, "line break"},
		{[]string{"-H", "X-A: 1\nInjected: yes", srv.URL}, "line break"},
		{[]string{"-H", "Bad Name: 1", srv.URL}, "want 'Name: value'"},
		{[]string{"--retries", "21", srv.URL}, "want 0 to 20"},
		{[]string{"-o", "", srv.URL}, "want a file name"},
		{[]string{"--max-body", "NaN", srv.URL}, "not a size"},
		{[]string{"--rate", "NaN", srv.URL}, "--rate NaN"},
		{[]string{"--rate", "+Inf", srv.URL}, "--rate +Inf"},
		{[]string{list}, "did you mean -i " + list + "?"},
	}
	for _, tt := range tests {
		res := runBinary(t, "", tt.args...)
		if res.code != 2 || !strings.Contains(res.stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tt.args, res.code, res.stderr, tt.want)
		}
	}

	agents := make(chan string, 4)
	ua := httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
		agents <- r.URL.Path + " " + r.UserAgent()
		w.Header().Set("Content-Type", "text/html")
	})
	if res := runBinary(t, "", "-q", "-H", "User-Agent: mybot/2.0", ua+"/page"); res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	for _, want := range []string{"/robots.txt mybot/2.0", "/page mybot/2.0"} {
		if got := <-agents; got != want {
			t.Errorf("request %q, want %q", got, want)
		}
	}
}

func httptestServer(t *testing.T, h http.HandlerFunc) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestExportEdges: a last record without its newline is kept, lines that
// are no record and a JSON object given for JSON lines are errors naming
// the file, and --help is help.
func TestExportEdges(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	noNewline := write("a.jsonl", `{"url":"http://a/","button":[],"link":[],"depth":0,"duration_ms":1}`+"\n"+`{"url":"http://b/","button":[],"link":[],"depth":0,"duration_ms":2}`)
	res := runBinary(t, "", "export", noNewline)
	if res.code != 0 || len(parseJSON(t, res.stdout)) != 2 {
		t.Errorf("last line without newline: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	for _, bad := range []string{"null", "{}", `{"button":[]}`} {
		p := write("bad.jsonl", `{"url":"http://a/"}`+"\n"+bad+"\n")
		res := runBinary(t, "", "export", p)
		if res.code != 1 || !strings.Contains(res.stderr, p+": line 2") {
			t.Errorf("%s: exit %d, stderr %q", bad, res.code, res.stderr)
		}
	}
	object := write("out.json", "{\n \"http://a/\": {\"button\":[],\"link\":[],\"depth\":0,\"duration_ms\":1}\n}\n")
	if res := runBinary(t, "", "export", object); res.code != 1 || !strings.Contains(res.stderr, "not JSON lines") {
		t.Errorf("a JSON object: exit %d, stderr %q", res.code, res.stderr)
	}
	if res := runBinary(t, "", "export", "--help"); res.code != 0 || !strings.Contains(res.stdout, "Usage: crawl export") {
		t.Errorf("export --help: exit %d, %q %q", res.code, res.stdout, res.stderr)
	}
}

// TestSIGINTWithOpenStdin interrupts a crawl reading a pipe that never
// closes: it stops within the grace period, with every URL read recorded.
func TestSIGINTWithOpenStdin(t *testing.T) {
	srv := site(t)
	cmd := exec.Command(binary, "-f", "jsonl")
	stdin, _ := cmd.StdinPipe()
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdin.Write([]byte(srv.URL + "/page\n" + srv.URL + "/hang\n"))
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
			t.Errorf("exit %v, want 130", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("still running 10 s after SIGINT, stdin open")
	}
	recs := parseJSONL(t, stdout.String())
	if len(recs) != 2 || recs[srv.URL+"/hang"].Error != "interrupted" || recs[srv.URL+"/page"].Status != 200 {
		t.Errorf("records: %v", recs)
	}
	t.Logf("stopped %v after SIGINT", time.Since(start).Round(time.Millisecond))
}

// TestQuietHidesNetHTTPLogs provokes net/http's "Unsolicited response"
// log line: with -q, stderr stays empty.
func TestQuietHidesNetHTTPLogs(t *testing.T) {
	addr := rawServer(t, func(conn net.Conn) {
		br := bufio.NewReader(conn)
		for {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			// The answer, and one nobody asked for, which the transport
			// finds on the idle connection.
			fmt.Fprint(conn, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
		}
	})
	base := "http://" + addr
	// --rate 2 leaves the connection idle for half a second after each
	// answer: the unasked one is seen there, not taken for the next answer.
	v := runBinary(t, "", "-v", "-c", "1", "--rate", "2", "--robots", "ignore", base+"/a", base+"/b")
	if !strings.Contains(v.stderr, "Unsolicited response") || !strings.Contains(v.stderr, "from=net/http") {
		t.Errorf("the server did not provoke net/http's log line, or it did not go through crawl's logger:\n%s", v.stderr)
	}
	res := runBinary(t, "", "-q", "-c", "1", "--rate", "2", "--robots", "ignore", base+"/a", base+"/b")
	if res.code != 4 || res.stderr != "" {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
}
