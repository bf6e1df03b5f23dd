package crawler

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// maxRetryWait caps the wait before a retry, a server's Retry-After
// included: a crawl should not stall for an hour because a server asked.
const maxRetryWait = 30 * time.Second

// retryableStatus reports the statuses worth asking again: timeouts, rate
// limiting and server errors.
func retryableStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500 && status <= 599
}

// slowsHost reports the statuses that mean the server wants fewer requests.
func slowsHost(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}

// retryableError reports whether a failed fetch may succeed if tried again:
// network failures, timeouts and bodies cut short. Not a refused address, a
// name that does not exist, a malformed response, a TLS failure, a bad
// redirect, an interrupted crawl, or anything not known to be transient.
func retryableError(err error) bool {
	var (
		dnsErr   *net.DNSError
		redirect *redirectError
		opErr    *net.OpError
		certErr  *tls.CertificateVerificationError
		recErr   tls.RecordHeaderError
		timeout  interface{ Timeout() bool }
	)
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, errDenied), errors.As(err, &redirect),
		errors.As(err, &certErr), errors.As(err, &recErr), strings.Contains(err.Error(), "malformed"):
		return false
	case errors.As(err, &dnsErr):
		return !dnsErr.IsNotFound
	case http2Cut(err):
		return true
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &opErr):
		return true
	}
	return errors.As(err, &timeout) && timeout.Timeout()
}

// backoff returns the wait before retry number n (1 for the first retry):
// base doubled each time, half of it random, capped.
func backoff(base time.Duration, n int) time.Duration {
	d := maxRetryWait
	if n >= 1 && n <= 32 && base <= maxRetryWait>>(n-1) {
		d = base << (n - 1) // no overflow: it is at most maxRetryWait
	}
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date,
// capped at maxRetryWait; ok is false when there is none or it is invalid.
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(h); err == nil {
		return min(time.Duration(max(secs, 0))*time.Second, maxRetryWait), true
	}
	if t, err := http.ParseTime(h); err == nil {
		return min(max(t.Sub(now), 0), maxRetryWait), true
	}
	return 0, false
}

// http2Cut reports an HTTP/2 stream or connection that the server ended
// before the response did: a RST_STREAM, a GOAWAY, a connection lost, the
// same cut as an unexpected EOF over HTTP/1.1. net/http's HTTP/2 errors
// are of unexported types, so they are known by their messages.
func http2Cut(err error) bool {
	msg := err.Error()
	for _, s := range []string{"stream error: stream ID", "server sent GOAWAY", "http2: client connection lost"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
