package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// A child's peak RSS (rusage maxrss) cannot be measured from crawlbench
// itself: Go starts children with vfork, and Linux counts the memory of the
// parent the child shared until its exec, so every program would seem as
// big as crawlbench with its pages loaded. The launcher is crawlbench run
// again, at startup while it is still small, to start the programs and
// report what they used.

// launchRequest is a command for the launcher to run.
type launchRequest struct {
	Args  []string `json:"args"`
	Stdin string   `json:"stdin"`
	// Stdout, when set, is a file to write the program's standard output
	// to, for programs that write their results there.
	Stdout string `json:"stdout,omitempty"`
	// Tree asks for the process tree's memory and CPU (treeSampler):
	// for programs that start others, such as a browser.
	Tree bool `json:"tree"`
}

// launchResult is what one run used.
type launchResult struct {
	Exit   int           `json:"exit"`
	Err    string        `json:"err,omitempty"`
	Wall   time.Duration `json:"wall"`
	CPU    time.Duration `json:"cpu"`
	MaxRSS int64         `json:"max_rss_kb"`
	Stderr string        `json:"stderr,omitempty"`
	// With Tree: the peak of the tree's summed PSS, its CPU, and how
	// many of its processes outlived it (they are killed then).
	PeakPSS   int64         `json:"peak_pss_kb,omitempty"`
	TreeCPU   time.Duration `json:"tree_cpu,omitempty"`
	Processes int           `json:"processes,omitempty"`
	Left      int           `json:"left,omitempty"`
}

// launcherFlag makes crawlbench the launcher.
const launcherFlag = "-launcher"

// serveLaunches runs the commands read from stdin, one JSON request a line,
// answering each with a JSON result line.
func serveLaunches(in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	enc := json.NewEncoder(out)
	for sc.Scan() {
		var req launchRequest
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			return err
		}
		if err := enc.Encode(launchOne(req)); err != nil {
			return err
		}
	}
	return sc.Err()
}

func launchOne(req launchRequest) launchResult {
	cmd := exec.Command(req.Args[0], req.Args[1:]...)
	if req.Stdin != "" {
		f, err := os.Open(req.Stdin)
		if err != nil {
			return launchResult{Exit: -1, Err: err.Error()}
		}
		defer f.Close()
		cmd.Stdin = f
	}
	if req.Stdout != "" {
		f, err := os.Create(req.Stdout)
		if err != nil {
			return launchResult{Exit: -1, Err: err.Error()}
		}
		defer f.Close()
		cmd.Stdout = f
	}
	var stderr limitedBuffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Start()
	var tree *treeSampler
	if err == nil {
		if req.Tree {
			tree = sampleTree(cmd.Process.Pid)
		}
		err = cmd.Wait()
	}
	res := launchResult{Wall: time.Since(start), Stderr: string(stderr.b)}
	if tree != nil {
		res.PeakPSS, res.TreeCPU, res.Processes, res.Left = tree.stop()
	}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		res.Exit = exitErr.ExitCode()
	case err != nil:
		return launchResult{Exit: -1, Err: err.Error()}
	}
	res.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.MaxRSS = ru.Maxrss // kilobytes on Linux
	}
	return res
}

// limitedBuffer keeps the first 64 KiB written to it.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := 64<<10 - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(len(p), room)]...)
	}
	return len(p), nil
}

// launcher is the client side: a running launcher process.
type launcher struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

// startLauncher starts crawlbench again as the launcher.
func startLauncher() (*launcher, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, launcherFlag)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	return &launcher{cmd: cmd, in: in, out: sc}, nil
}

// run runs args (with stdin from a file, if any) and reports its usage.
func (l *launcher) run(stdin string, args ...string) (launchResult, error) {
	return l.runRequest(launchRequest{Args: args, Stdin: stdin})
}

// runRequest runs a request and reports its usage.
func (l *launcher) runRequest(req launchRequest) (launchResult, error) {
	b, _ := json.Marshal(req)
	if _, err := l.in.Write(append(b, '\n')); err != nil {
		return launchResult{}, err
	}
	if !l.out.Scan() {
		return launchResult{}, fmt.Errorf("launcher: %v", l.out.Err())
	}
	var res launchResult
	if err := json.Unmarshal(l.out.Bytes(), &res); err != nil {
		return res, err
	}
	if res.Exit < 0 {
		return res, errors.New(res.Err)
	}
	return res, nil
}

func (l *launcher) close() error {
	l.in.Close()
	return l.cmd.Wait()
}
