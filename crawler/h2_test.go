package crawler

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2Page is the page the HTTP/2 tests serve once the body is not cut.
const h2Page = `<a href="/whole">whole</a>` + "\n"

// TestHTTP2BodyCutShortIsRetried: a body an HTTP/2 server cuts short, by
// resetting the stream (RST_STREAM) or by closing the connection with a
// GOAWAY, is retried as the same cut over HTTP/1.1 is.
func TestHTTP2BodyCutShortIsRetried(t *testing.T) {
	var resets atomic.Int64
	rst := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if resets.Add(1) == 1 {
			fmt.Fprint(w, strings.Repeat("<p>part", 1000))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler) // RST_STREAM with INTERNAL_ERROR
		}
		fmt.Fprint(w, h2Page)
	}))
	rst.EnableHTTP2 = true
	rst.StartTLS()
	defer rst.Close()

	goaway := goawayServer(t)
	cfg := faultConfig
	cfg.Insecure = true
	for _, u := range []string{rst.URL + "/", goaway + "/"} {
		m := crawlAll(t, cfg, u)
		rec, _ := m.Get(u)
		if rec.Error != "" || rec.Attempts != 2 || len(rec.Link) != 1 {
			t.Errorf("%s: %+v, want the page on the second attempt", u, rec)
		}
	}
}

// goawayServer speaks HTTP/2 over TLS by hand: the first request gets
// half a body, then a GOAWAY with INTERNAL_ERROR and the connection
// closed; the next gets the whole page.
func goawayServer(t *testing.T) string {
	t.Helper()
	cert := httptest.NewTLSServer(http.NotFoundHandler()).TLS.Certificates[0]
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var conns atomic.Int64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serveH2(c, conns.Add(1) == 1)
		}
	}()
	return "https://" + l.Addr().String()
}

func serveH2(c net.Conn, cut bool) {
	defer c.Close()
	br := bufio.NewReader(c)
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := br.Read(preface); err != nil {
		return
	}
	fr := http2.NewFramer(c, br)
	fr.WriteSettings()
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				fr.WriteSettingsAck()
			}
		case *http2.HeadersFrame:
			var hb strings.Builder
			he := hpack.NewEncoder(&hb)
			he.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
			he.WriteField(hpack.HeaderField{Name: "content-type", Value: "text/html"})
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: f.StreamID, BlockFragment: []byte(hb.String()), EndHeaders: true})
			if cut {
				fr.WriteData(f.StreamID, false, []byte(strings.Repeat("<p>part", 500)))
				fr.WriteGoAway(f.StreamID, http2.ErrCodeInternal, nil)
				return
			}
			fr.WriteData(f.StreamID, true, []byte(h2Page))
		}
	}
}
