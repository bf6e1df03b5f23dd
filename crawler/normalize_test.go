package crawler

import (
	"regexp"
	"strings"
	"testing"

	"github.com/crawlkit/crawl/internal/weburl"
)

func TestNormalizerKey(t *testing.T) {
	tests := []struct {
		norm Normalizer
		in   string
		want string
	}{
		{Normalizer{}, "HTTP://Example.COM:80/a/./b/../c#frag", "http://example.com/a/c"},
		{Normalizer{}, "https://example.com:443/%7Euser/%41%2f%2F%e2%82%ac", "https://example.com/~user/A%2F%2F%E2%82%AC"},
		{Normalizer{}, "http://example.com/~user", "http://example.com/~user"},
		{Normalizer{}, "http://example.com/p?b=2&a=1&%7e=%2d", "http://example.com/p?b=2&a=1&~=-"},
		{Normalizer{}, "http://example.com/p?", "http://example.com/p?"},
		{Normalizer{}, "http://example.com/p?#x", "http://example.com/p?"},
		{Normalizer{}, "http://example.com/100%", "http://example.com/100%"},
		{Normalizer{SortQuery: true}, "http://example.com/p?b=2&a=1&b=1", "http://example.com/p?a=1&b=2&b=1"},
		{Normalizer{StripParams: []string{"utm_*", "fbclid"}}, "http://example.com/p?utm_source=x&id=3&fbclid=y&utm_=z", "http://example.com/p?id=3"},
		{Normalizer{StripParams: []string{"utm_*"}}, "http://example.com/p?utm_source=x", "http://example.com/p"},
		{Normalizer{StripParams: []string{"*id"}}, "http://example.com/p?sid=1&idx=2", "http://example.com/p?idx=2"},
		{Normalizer{}, "http://user:pw@example.com/", "http://user:pw@example.com/"},
	}
	for _, tt := range tests {
		u, err := weburl.Parse(tt.in)
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if got := tt.norm.Key(&u); got != tt.want {
			t.Errorf("Key(%s) = %s, want %s", tt.in, got, tt.want)
		}
		// KeyOf takes the serialization and finds the same key.
		if got := tt.norm.KeyOf(u.Href); got != tt.want {
			t.Errorf("KeyOf(%s) = %s, want %s", u.Href, got, tt.want)
		}
	}
}

// FuzzKeyOf: for any URL weburl serializes, KeyOf of the serialization is
// Key of the URL, with and without query normalization.
func FuzzKeyOf(f *testing.F) {
	for _, s := range []string{"http://a/b?c=d#e", "https://x.y/%7e%41?q=%2f", "http://a/p?b=1&a=2", "http://[::1]:8080/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		u, err := weburl.Parse(in)
		if err != nil {
			return
		}
		for _, n := range []Normalizer{{}, {SortQuery: true}, {StripParams: []string{"utm_*"}}} {
			if got, want := n.KeyOf(u.Href), n.Key(&u); got != want {
				t.Errorf("%+v: KeyOf(%q) = %q, Key = %q", n, u.Href, got, want)
			}
		}
	})
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"utm_*", "utm_source", true},
		{"utm_*", "utm_", true},
		{"utm_*", "xutm_source", false},
		{"*", "", true},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"sid", "sid", true},
		{"sid", "sids", false},
	}
	for _, tt := range tests {
		if got := globMatch(tt.pattern, tt.name); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v", tt.pattern, tt.name, got)
		}
	}
}

func TestFilterReason(t *testing.T) {
	host := filter{depth: 3, scope: ScopeHost}
	domain := filter{depth: 3, scope: ScopeDomain}
	excl := filter{depth: 3, exclude: []*regexp.Regexp{regexp.MustCompile(`/logout`), regexp.MustCompile(`a%2Fb`)}}
	incl := filter{depth: 3, include: []*regexp.Regexp{regexp.MustCompile(`^http://e\.com/public/`)}}
	tests := []struct {
		name     string
		f        filter
		page     string
		link     string
		depth    int
		want     string
		scopeKey string
	}{
		{"same host", host, "http://example.com/", "https://example.com:8443/x", 0, "", ""},
		{"other host", host, "http://example.com/", "http://www.example.com/x", 0, skipScope, ""},
		{"too deep", host, "http://example.com/", "http://example.com/x", 3, skipDepth, ""},
		{"sibling subdomain", domain, "http://a.example.com/", "http://b.example.com/x", 0, "", ""},
		{"label boundary", domain, "http://example.com/", "http://evilexample.com/x", 0, skipScope, ""},
		{"public suffix", domain, "http://a.co.uk/", "http://b.co.uk/", 0, skipScope, ""},
		{"ip address", domain, "http://127.0.0.1/", "http://127.0.0.2/", 0, skipScope, ""},
		{"any", filter{depth: 1, scope: ScopeAny}, "http://a.com/", "http://b.org/", 0, "", ""},
		{"repeated segment", host, "http://e.com/", "http://e.com/a/a/a/a", 0, skipTrap, ""},
		{"three repeats are fine", host, "http://e.com/", "http://e.com/a/a/a/b", 0, "", ""},
		{"deep path", host, "http://e.com/", "http://e.com/" + repeatPath(33), 0, skipTrap, ""},
		{"repeated parameter", host, "http://e.com/", "http://e.com/s?a=1&a=2&a=3&a=4", 0, skipTrap, ""},
		{"long URL", host, "http://e.com/", "http://e.com/?q=" + strings.Repeat("x", 2100), 0, skipTrap, ""},
		{"exclude sees through escapes", excl, "http://e.com/", "http://e.com/%6Cogout", 0, skipExclude, ""},
		{"exclude sees upper-cased escapes", excl, "http://e.com/", "http://e.com/a%2fb", 0, skipExclude, ""},
		{"exclude as written", excl, "http://e.com/", "http://e.com/logout", 0, skipExclude, ""},
		{"include sees through escapes", incl, "http://e.com/", "http://e.com/%70ublic/x", 0, "", ""},
		{"include misses", incl, "http://e.com/", "http://e.com/private/x", 0, skipInclude, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, _ := weburl.Parse(tt.page)
			link, err := weburl.Parse(tt.link)
			if err != nil {
				t.Fatal(err)
			}
			got := tt.f.reason(&link, withoutFragment(&link), new(Normalizer).Key(&link), tt.depth, tt.f.scope.key(&page))
			if got != tt.want {
				t.Errorf("reason = %q, want %q", got, tt.want)
			}
		})
	}
}

func repeatPath(n int) string {
	s := ""
	for i := range n {
		s += string(rune('a'+i%26)) + "/"
	}
	return s
}

func TestSelfExtending(t *testing.T) {
	page, _ := weburl.Parse("http://e.com/s?q=ab")
	for _, tt := range []struct {
		link string
		want uint8
	}{
		{"http://e.com/s?q=abc", 3},
		{"http://e.com/s?q=ab", 0},
		{"http://e.com/t?q=abc", 0},
		{"http://e.com/s?q=a", 0},
	} {
		link, _ := weburl.Parse(tt.link)
		if got := selfExtending(&page, 2, &link); got != tt.want {
			t.Errorf("selfExtending(%s) = %d, want %d", tt.link, got, tt.want)
		}
	}
}
