package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// treeSampler follows the processes a program starts (a browser and its
// renderers, say) every 100 ms: the peak of their summed PSS, read from
// each one's /proc/PID/smaps_rollup (PSS shares each page among the
// processes that map it, so a sum counts shared code once), and the CPU
// each used, as last read from /proc/PID/stat.
type treeSampler struct {
	root  int
	stopc chan struct{}
	done  chan struct{}

	mu      sync.Mutex // guards what follows
	peakKB  int64
	cpu     map[int]time.Duration // by PID, the last reading
	started map[int]string        // by PID, its start time: a PID reused is not ours
}

// clockTick is the unit of /proc/PID/stat's CPU times (USER_HZ).
const clockTick = 10 * time.Millisecond

func sampleTree(root int) *treeSampler {
	t := &treeSampler{root: root, stopc: make(chan struct{}), done: make(chan struct{}), cpu: map[int]time.Duration{}, started: map[int]string{}}
	go func() {
		defer close(t.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			t.sample()
			select {
			case <-tick.C:
			case <-t.stopc:
				return
			}
		}
	}()
	return t
}

// sample reads the tree once.
func (t *treeSampler) sample() {
	var sum int64
	for _, pid := range descendants(t.root) {
		st, ok := readStat(pid)
		if !ok {
			continue
		}
		sum += pssKB(pid)
		t.mu.Lock()
		t.cpu[pid] = st.cpu
		t.started[pid] = st.start
		t.mu.Unlock()
	}
	t.mu.Lock()
	t.peakKB = max(t.peakKB, sum)
	t.mu.Unlock()
}

// stop ends the sampling once the root has exited, kills whatever of the
// tree outlived it and says how many did.
func (t *treeSampler) stop() (peakKB int64, cpu time.Duration, processes, left int) {
	close(t.stopc)
	<-t.done
	t.mu.Lock()
	defer t.mu.Unlock()
	for pid, start := range t.started {
		cpu += t.cpu[pid]
		if st, ok := readStat(pid); ok && st.start == start && st.state != "Z" && pid != t.root {
			left++
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	return t.peakKB, cpu, len(t.started), left
}

// descendants returns root and every process below it.
func descendants(root int) []int {
	kids := map[int][]int{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(d))
		if st, ok := readStat(pid); ok {
			kids[st.ppid] = append(kids[st.ppid], pid)
		}
	}
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, kids[out[i]]...)
	}
	return out
}

// stat is what sampling needs of /proc/PID/stat.
type stat struct {
	state string
	ppid  int
	cpu   time.Duration
	start string
}

func readStat(pid int) (stat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return stat{}, false
	}
	// The command name, in parentheses, may hold spaces; fields follow it.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return stat{}, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return stat{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return stat{state: f[0], ppid: ppid, cpu: time.Duration(utime+stime) * clockTick, start: f[19]}, true
}

// pssKB reads a process's PSS in kB; 0 when it is gone.
func pssKB(pid int) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Pss:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}
