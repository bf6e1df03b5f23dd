package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestRunInProcess drives run directly, as main does, without a binary.
func TestRunInProcess(t *testing.T) {
	srv := site(t)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-f", "jsonl", "--no-progress"}, strings.NewReader(srv.URL+"/page\n"), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	m := parseJSONL(t, stdout.String())
	if r := m[srv.URL+"/page"]; r.Status != 200 || !eq(r.Button, "go") {
		t.Errorf("record: %+v", r)
	}
}

func TestRunCancelledBeforeStart(t *testing.T) {
	srv := site(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{srv.URL + "/page", srv.URL + "/moved"}, strings.NewReader(""), &stdout, &stderr)
	if code != exitInterrupted {
		t.Errorf("exit %d, want %d", code, exitInterrupted)
	}
	m := parseJSON(t, stdout.String())
	if len(m) != 2 || m[srv.URL+"/page"].Error != "interrupted" {
		t.Errorf("every URL must be recorded as interrupted: %v", m)
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, nil, &stdout, &stderr); code != 0 {
		t.Errorf("exit %d", code)
	}
	for _, flag := range []string{"--output", "--format", "--input", "--concurrency", "--timeout", "--max-body", "--max-redirects", "--user-agent", "--header", "--quiet", "--no-progress", "--verbose", "--version"} {
		if !strings.Contains(stdout.String(), flag) {
			t.Errorf("--help does not mention %s", flag)
		}
	}
}

func TestVerboseLogsWorker(t *testing.T) {
	srv := site(t)
	var stdout, stderr bytes.Buffer
	run(context.Background(), []string{"-v", srv.URL + "/page"}, nil, &stdout, &stderr)
	if !strings.Contains(stderr.String(), "worker=") || !strings.Contains(stderr.String(), "url="+srv.URL+"/page") {
		t.Errorf("-v must log each URL with its worker:\n%s", stderr.String())
	}
}

func TestByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"1024", 1024}, {"10MiB", 10 << 20}, {"512k", 512 << 10}, {"512KiB", 512 << 10},
		{"2MB", 2e6}, {"1.5M", 3 << 19}, {"1G", 1 << 30}, {"100B", 100},
	}
	for _, tt := range tests {
		var s byteSize
		if err := s.Set(tt.in); err != nil || int64(s) != tt.want {
			t.Errorf("Set(%q) = %d, %v; want %d", tt.in, s, err, tt.want)
		}
	}
	for _, bad := range []string{"", "lots", "-1", "10XB"} {
		var s byteSize
		if err := s.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
}
