// Package redistest starts real redis-server processes, for tests and
// benchmarks: on a free loopback port, in a directory of their own.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Server is a redis-server process.
type Server struct {
	dir  string
	port int
	aof  bool
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts a redis-server for a test, with an append-only file when
// aof is set, and kills it when the test ends. It skips the test when
// there is no redis-server to start (.ci/run installs one).
func Start(t testing.TB, aof bool) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed (apt-get install -y redis-server)")
	}
	s, err := Launch(t.TempDir(), aof)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Kill)
	return s
}

// Launch starts a redis-server keeping its files in dir. The free port it
// picks can be taken by another process before the server binds it (tests
// run in parallel): then it tries another.
func Launch(dir string, aof bool) (*Server, error) {
	var err error
	for range 5 {
		ln, lerr := net.Listen("tcp", "127.0.0.1:0")
		if lerr != nil {
			return nil, lerr
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		s := &Server{dir: dir, port: port, aof: aof}
		if err = s.start(); err == nil {
			return s, nil
		}
	}
	return nil, err
}

// URL is the server's redis:// URL.
func (s *Server) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port) }

// Addr is the server's host:port.
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }

func (s *Server) start() error {
	args := []string{"--port", fmt.Sprint(s.port), "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--daemonize", "no", "--protected-mode", "no", "--logfile", filepath.Join(s.dir, "redis.log")}
	if s.aof {
		args = append(args, "--appendonly", "yes", "--appendfsync", "everysec")
	}
	s.cmd = exec.Command("redis-server", args...)
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(s.cmd, s.done)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-s.done: // it exited: the port was taken, say
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			s.cmd = nil
			return errors.New("redis-server exited: " + string(log))
		default:
		}
		if s.ping() {
			return nil
		}
	}
	log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	s.Kill()
	return errors.New("redis-server did not answer PING: " + string(log))
}

// ping reports whether this server, not another on its port, answers
// PING with PONG (not LOADING).
func (s *Server) ping() bool {
	c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	fmt.Fprint(c, "PING\r\nINFO server\r\n")
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "+PONG") {
		return false
	}
	want := fmt.Sprintf("process_id:%d", s.cmd.Process.Pid)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return false
		}
		if strings.TrimSpace(line) == want {
			return true
		}
	}
}

// Kill stops the server with SIGKILL, as a crash would.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Restart starts the server again after Kill, on the same port and
// directory, so that it reloads its append-only file.
func (s *Server) Restart() error { return s.start() }
