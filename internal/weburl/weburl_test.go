package weburl

import (
	"testing"
)

func TestResolve(t *testing.T) {
	base, err := Parse("https://Example.com/dir/page.html?q=1#top")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want string }{
		{"", "https://example.com/dir/page.html?q=1"},
		{"#x", "https://example.com/dir/page.html?q=1#x"},
		{"?", "https://example.com/dir/page.html?"},
		{"#", "https://example.com/dir/page.html?q=1#"},
		{"a b", "https://example.com/dir/a%20b"},
		{"../../../x", "https://example.com/x"},
		{"./", "https://example.com/dir/"},
		{"..", "https://example.com/"},
		{"\\\\other.example\\p", "https://other.example/p"},
		{"  \t/p\na\rth  ", "https://example.com/path"},
		{"//user:pa:ss@h.example:0443/", "https://user:pa%3Ass@h.example/"},
		{"https://h.example:443", "https://h.example/"},
		{"http://h.example:80/", "http://h.example/"},
		{"http://[0:0:0:0:0:0:0:1]/", "http://[::1]/"},
		{"http://[1:0::0:2]/", "http://[1::2]/"},
		{"http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/"},
		{"http://0300.0250.0.1/", "http://192.168.0.1/"},
		{"http://3232235521/", "http://192.168.0.1/"},
		{"http://münchen.DE/", "http://xn--mnchen-3ya.de/"},
		{"http://EXAMPLE.com./", "http://example.com./"},
		{"mailto:A@B.c?subject=it's", "mailto:A@B.c?subject=it%27s"},
		{"JavaScript:void(0)", "javascript:void(0)"},
		{"data:text/html,<b>", "data:text/html,<b>"},
		{"web+demo:/.//not-a-host/", "web+demo:/.//not-a-host/"},
		{"file:///tmp/../etc/x", "file:///etc/x"},
		{"http://exa mple.com/", "http://exa%20mple.com/"}, // Chromium keeps what the standard rejects
		{"/caf\u00e9?q=\u00e9#\u00e9", "https://example.com/caf%C3%A9?q=%C3%A9#%C3%A9"},
		{"/bad\xffutf8", "https://example.com/bad%EF%BF%BDutf8"},
	}
	for _, tt := range tests {
		got, err := Resolve(&base, tt.in, nil)
		if err != nil {
			t.Errorf("Resolve(%q): %v", tt.in, err)
			continue
		}
		if got.Href != tt.want {
			t.Errorf("Resolve(%q) = %q, want %q", tt.in, got.Href, tt.want)
		}
	}
}

func TestResolveInvalid(t *testing.T) {
	base, _ := Parse("https://example.com/")
	for _, in := range []string{
		"http://:80/", "http://a:99999/", "http://a:8x/",
		"http://[::1/", "http://[1:2:3:4:5:6:7:8:9]/", "http://1.2.3.4.5/", "http://256.0.0.1.",
		"http://user@/", "https://ex%00ample/", "http://a<b/",
	} {
		if u, err := Resolve(&base, in, nil); err == nil {
			t.Errorf("Resolve(%q) = %q, want an error", in, u.Href)
		}
	}
	if _, err := Parse("relative/only"); err == nil {
		t.Error("a relative URL without a base must fail")
	}
	opaque, _ := Parse("mailto:x@y.z")
	if _, err := Resolve(&opaque, "rel", nil); err == nil {
		t.Error("a relative URL against an opaque base must fail")
	}
	if u, err := Resolve(&opaque, "#f", nil); err != nil || u.Href != "mailto:x@y.z#f" {
		t.Errorf("fragment against an opaque base: %q, %v", u.Href, err)
	}
}

// TestQueryEncoder checks that only the query of a special URL goes
// through the document's encoding.
func TestQueryEncoder(t *testing.T) {
	upper := func(dst []byte, q string) []byte { return append(dst, "\x80"+q...) }
	base, _ := Parse("http://example.com/")
	tests := []struct{ in, want string }{
		{"/\u00e9?\u00e9#\u00e9", "http://example.com/%C3%A9?%80%C3%A9#%C3%A9"},
		{"/?ascii", "http://example.com/?ascii"},
		{"ws://h/?\u00e9", "ws://h/?%C3%A9"},
		{"foo://h/?\u00e9", "foo://h/?%C3%A9"},
	}
	for _, tt := range tests {
		got, err := Resolve(&base, tt.in, upper)
		if err != nil || got.Href != tt.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tt.in, got.Href, err, tt.want)
		}
	}
}

func TestResolverReusesItsBuffer(t *testing.T) {
	base, _ := Parse("https://example.com/a/b")
	r := NewResolver(base, nil)
	first, _ := r.Resolve("one")
	second, _ := r.Resolve("two")
	if first.Href != "https://example.com/a/one" || second.Href != "https://example.com/a/two" {
		t.Errorf("got %q and %q", first.Href, second.Href)
	}
	allocs := testing.AllocsPerRun(100, func() { r.Resolve("/some/path?q=1#f") })
	if allocs > 1 {
		t.Errorf("Resolve allocates %v times per link, want 1", allocs)
	}
}

// FuzzResolve checks that parsing never panics and that a serialized URL
// parses back to itself, which the URL Standard guarantees. file: URLs are
// left out of the second check: weburl reads them as Chromium does, and
// Chromium's own serializations of them do not always parse back to
// themselves ("file:.//" gives "file:////", which reads as "file:///").
func FuzzResolve(f *testing.F) {
	for _, s := range []string{"", "a", "../b?c#d", "http://[::1]:80/x", "//h/%2e%2E/x", "file:///C|/a", "mailto:x?y#z", "http://0x7f.1/", "foo:/.//p", "\\\\h\\p"} {
		f.Add(s)
	}
	base, _ := Parse("https://user:pw@example.com:8080/a/b/c?q#f")
	f.Fuzz(func(t *testing.T, in string) {
		u, err := Resolve(&base, in, nil)
		if err != nil || u.Scheme == "file" {
			return
		}
		again, err := Parse(u.Href)
		if err != nil {
			t.Fatalf("%q resolved to %q, which does not parse: %v", in, u.Href, err)
		}
		if again.Href != u.Href {
			t.Fatalf("%q resolved to %q, which parses to %q", in, u.Href, again.Href)
		}
	})
}

func BenchmarkResolve(b *testing.B) {
	base, _ := Parse("http://127.0.0.1:8765/code/2013/page.html")
	links := []string{
		"/code/2013/get-your-frontend-javascript-code-covered/",
		"http://en.wikipedia.org/wiki/Code_coverage",
		"https://twitter.com/ironshay/statuses/370525864523743232",
		"../photography/",
		"#comments",
		"http://flattr.com/submit/auto?url=https://nicolas.perriault.net/code/&title=Get%20your&user_id=n1k0",
	}
	r := NewResolver(base, nil)
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range links {
			r.Resolve(l)
		}
	}
}

// TestEcho: a URL-valued DOM property reads an invalid URL as Chromium's
// canonicalizer writes it (recorded from Chromium's .formAction).
func TestEcho(t *testing.T) {
	base, _ := Parse("http://127.0.0.1:8080/dir/page.html")
	r := NewResolver(base, nil)
	for _, tt := range []struct{ in, want string }{
		{"next?q=1", "http://127.0.0.1:8080/dir/next?q=1"},
		{"http://[bad", "http://[bad/"},
		{"http://%zz/", "http://%25zz/"},
		{"http://%zz/x", "http://%25zz/x"},
		{"http://example.com:99999/", "http://example.com:99999/"},
		{"http://exa mple.com/", "http://exa%20mple.com/"},
		{"http:", "http://127.0.0.1:8080/dir/page.html"},
	} {
		if got := r.Echo(tt.in); got != tt.want {
			t.Errorf("Echo(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if _, err := r.Resolve(tt.in); err == nil && tt.want != r.Echo(tt.in) {
			t.Errorf("Resolve(%q) succeeds but Echo differs", tt.in)
		}
	}
}
