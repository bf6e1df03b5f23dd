package cookiefile

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	future := time.Now().Add(48 * time.Hour).Unix()
	in := strings.Join([]string{
		"# Netscape HTTP Cookie File",
		"",
		".example.com\tTRUE\t/\tFALSE\t" + itoa(future) + "\tsite\twide",
		"www.example.com\tFALSE\t/app\tTRUE\t0\tsession\tabc",
		"#HttpOnly_example.org\tFALSE\t/\tFALSE\t" + itoa(future) + "\tsecret\tx",
		"old.example.com\tFALSE\t/\tFALSE\t1000\texpired\tgone",
	}, "\n") + "\n"
	j := NewJar()
	if err := j.Load(strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	has := func(u, name string) bool {
		pu, _ := url.Parse(u)
		for _, c := range j.Cookies(pu) {
			if c.Name == name {
				return true
			}
		}
		return false
	}
	checks := []struct {
		url, name string
		want      bool
	}{
		{"http://a.example.com/", "site", true}, // domain cookie: subdomains too
		{"https://www.example.com/app/x", "session", true},
		{"http://www.example.com/app/x", "session", false}, // secure
		{"https://www.example.com/", "session", false},     // path
		{"https://a.example.com/app/", "session", false},   // host-only
		{"http://example.org/", "secret", true},
		{"http://old.example.com/", "expired", false},
	}
	for _, c := range checks {
		if got := has(c.url, c.name); got != c.want {
			t.Errorf("%s has %s: %v, want %v", c.url, c.name, got, c.want)
		}
	}
	var out bytes.Buffer
	if err := j.Save(&out); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		".example.com\tTRUE\t/\tFALSE\t" + itoa(future) + "\tsite\twide",
		"www.example.com\tFALSE\t/app\tTRUE\t0\tsession\tabc",
		"#HttpOnly_example.org\tFALSE\t/\tFALSE\t" + itoa(future) + "\tsecret\tx",
	} {
		if !strings.Contains(out.String(), line+"\n") {
			t.Errorf("saved file lacks %q:\n%s", line, out.String())
		}
	}
	if strings.Contains(out.String(), "expired") {
		t.Error("an expired cookie was saved")
	}

	// Set-Cookie headers: a deletion (Max-Age<0) removes, a public suffix
	// is refused by the jar and so not saved.
	u, _ := url.Parse("http://www.example.com/")
	j.SetCookies(u, []*http.Cookie{{Name: "site", Value: "", Domain: "example.com", Path: "/", MaxAge: -1}, {Name: "bad", Value: "1", Domain: "com"}})
	out.Reset()
	j.Save(&out)
	if strings.Contains(out.String(), "\tsite\t") || strings.Contains(out.String(), "\tbad\t") {
		t.Errorf("deleted or refused cookies saved:\n%s", out.String())
	}

	for _, bad := range []string{"a\tb\tc\n", "h\tFALSE\t/\tFALSE\tsoon\tn\tv\n"} {
		if err := NewJar().Load(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestLoadLongLine: a line too long to be a cookie is an error naming its
// line, not bufio's "token too long".
func TestLoadLongLine(t *testing.T) {
	in := "# Netscape HTTP Cookie File\n.e.com\tTRUE\t/\tFALSE\t0\ta\tb\n" + strings.Repeat("x", 2<<20) + "\n"
	err := NewJar().Load(strings.NewReader(in))
	if err == nil || !strings.Contains(err.Error(), "line 3:") || strings.Contains(err.Error(), "token too long") {
		t.Errorf("error %v, want one naming line 3", err)
	}
}
