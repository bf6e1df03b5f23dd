package crawler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// seedTask is a seed whose key is its URL.
func seedTask(u string) Task { return Task{Seed: Seed{URL: u}, Key: u} }

func testFrontier(t *testing.T, lim frontierLimits) *memFrontier {
	t.Helper()
	lim.seeds = cmp.Or(lim.seeds, 10)
	lim.window = cmp.Or(lim.window, 4)
	lim.dir = t.TempDir()
	f := newMemFrontier(lim, nil)
	t.Cleanup(f.release)
	return f
}

func TestMemoryFrontier(t *testing.T) {
	ctx := context.Background()
	f := testFrontier(t, frontierLimits{})
	for _, u := range []string{"a", "b", "a", "c", "b"} {
		f.Add(ctx, seedTask(u))
	}
	f.Close(ctx)
	var got []string
	for {
		tk, err := f.Next(ctx)
		if errors.Is(err, ErrDrained) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tk.URL)
		f.Done(ctx, tk, Page{})
	}
	if len(got) != 3 || got[0] != "a" || got[1] != "b" || got[2] != "c" {
		t.Errorf("got %v, want [a b c] in order", got)
	}
}

// TestFrontierSpellings checks that a seed given twice is dropped, while
// another spelling of a page already taken is queued to be recorded as a
// duplicate, as is a seed whose page a redirect took.
func TestFrontierSpellings(t *testing.T) {
	ctx := context.Background()
	f := testFrontier(t, frontierLimits{})
	add := func(u, key string) Task {
		t.Helper()
		ok, err := f.Add(ctx, Task{Seed: Seed{URL: u}, Key: key})
		if err != nil || !ok {
			t.Fatalf("Add(%s) = %v, %v", u, ok, err)
		}
		tk, _ := f.Next(ctx)
		return tk
	}
	if tk := add("http://a/~x", "http://a/~x"); tk.DuplicateOf != "" {
		t.Errorf("first spelling marked duplicate of %q", tk.DuplicateOf)
	}
	if ok, _ := f.Add(ctx, Task{Seed: Seed{URL: "http://a/~x"}, Key: "http://a/~x"}); ok {
		t.Error("the same seed twice was taken twice")
	}
	if tk := add("http://A/%7ex", "http://a/~x"); tk.DuplicateOf != "http://a/~x" {
		t.Errorf("other spelling: DuplicateOf = %q", tk.DuplicateOf)
	}
	if ok, _ := f.Claim(ctx, "http://a/target"); !ok {
		t.Error("first claim of a redirect target refused")
	}
	if ok, _ := f.Claim(ctx, "http://a/target"); ok {
		t.Error("second claim of a redirect target taken")
	}
	if tk := add("http://a/target", "http://a/target"); tk.DuplicateOf != "http://a/target" {
		t.Errorf("seed a redirect reached first: DuplicateOf = %q", tk.DuplicateOf)
	}
}

// TestFrontierShortestDepth drives the case where depth goes wrong in
// other crawlers: a deep page finishes before a shallower one that links
// to the same URL. The URL must still be taken at its shortest distance.
func TestFrontierShortestDepth(t *testing.T) {
	ctx := context.Background()
	f := testFrontier(t, frontierLimits{})
	next := func(want string) Task {
		t.Helper()
		tk, err := f.Next(ctx)
		if err != nil || tk.URL != want {
			t.Fatalf("Next = %q, %v; want %q", tk.URL, err, want)
		}
		return tk
	}
	discover := func(from Task, u string) {
		t.Helper()
		if _, err := f.Add(ctx, Task{Seed: Seed{URL: u}, Key: u, Depth: from.Depth + 1, Parent: from.URL}); err != nil {
			t.Fatal(err)
		}
	}
	f.Add(ctx, seedTask("s"))
	f.Close(ctx)
	s := next("s")
	discover(s, "p")
	discover(s, "q")
	f.Done(ctx, s, Page{})
	p, q := next("p"), next("q")
	discover(p, "r")
	f.Done(ctx, p, Page{})
	r := next("r") // depth 2, fetched while q (depth 1) is still in flight
	discover(r, "x")
	f.Done(ctx, r, Page{})
	discover(q, "x") // q finishes last, with the shorter path to x
	f.Done(ctx, q, Page{})
	x := next("x")
	if x.Depth != 2 || x.Parent != "q" {
		t.Errorf("x taken at depth %d from %q, want depth 2 from q", x.Depth, x.Parent)
	}
	f.Done(ctx, x, Page{})
	if _, err := f.Next(ctx); !errors.Is(err, ErrDrained) {
		t.Errorf("Next after the last page = %v, want ErrDrained", err)
	}
}

// TestFrontierProposalsWaitForSeeds checks that links are not taken while
// seeds may still come: a seed is never taken for a discovered page.
func TestFrontierProposalsWaitForSeeds(t *testing.T) {
	ctx := context.Background()
	f := testFrontier(t, frontierLimits{})
	f.Add(ctx, seedTask("a"))
	a, _ := f.Next(ctx)
	f.Add(ctx, Task{Seed: Seed{URL: "b"}, Key: "b", Depth: 1, Parent: "a"})
	f.Done(ctx, a, Page{})
	f.Add(ctx, seedTask("b"))
	f.Close(ctx)
	b, _ := f.Next(ctx)
	if b.Depth != 0 {
		t.Errorf("b taken at depth %d, want 0: it is a seed", b.Depth)
	}
	f.Done(ctx, b, Page{})
	if _, err := f.Next(ctx); !errors.Is(err, ErrDrained) {
		t.Errorf("Next = %v, want ErrDrained: b was proposed again but is seen", err)
	}
}

func TestFrontierMaxPages(t *testing.T) {
	ctx := context.Background()
	f := testFrontier(t, frontierLimits{maxPages: 3, maxPerHost: 2})
	for _, u := range []string{"http://a/1", "http://a/2", "http://a/3", "http://b/1", "http://b/2"} {
		f.Add(ctx, seedTask(u))
	}
	f.Close(ctx)
	var got []string
	for range 5 {
		tk, _ := f.Next(ctx)
		got = append(got, tk.URL+":"+tk.Skip)
		if tk.Skip == "" {
			f.Add(ctx, Task{Seed: Seed{URL: tk.URL + "/x"}, Key: tk.URL + "/x", Depth: 1})
		}
		f.Done(ctx, tk, Page{})
	}
	want := "http://a/1: http://a/2: http://a/3:max-pages-per-host http://b/1: http://b/2:max-pages"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
	if tk, err := f.Next(ctx); !errors.Is(err, ErrDrained) {
		t.Errorf("Next = %q, %v past the caps", tk.URL, err)
	}
	if n := f.notFollowed()[skipMaxPages]; n != 3 {
		t.Errorf("%d links counted as not followed for max-pages, want 3", n)
	}
}

// TestFrontierSpills pushes far more discovered tasks than the window
// holds: they come back in order, and the spill files go once read.
func TestFrontierSpills(t *testing.T) {
	ctx := context.Background()
	f := testFrontier(t, frontierLimits{window: 16})
	f.Add(ctx, seedTask("s"))
	f.Close(ctx)
	s, _ := f.Next(ctx)
	const n = 50000
	for i := range n {
		u := fmt.Sprintf("http://a/%d?q=%s", i, strings.Repeat("x", i%300))
		if _, err := f.Add(ctx, Task{Seed: Seed{URL: u}, Key: u, Depth: 1, Parent: "s", Extended: uint8(i), Check: i%3 == 0}); err != nil {
			t.Fatal(err)
		}
	}
	if f.spilled() == 0 {
		t.Fatal("nothing was spilled to disk")
	}
	// The spill files have no name: a process killed now leaves nothing.
	if left, _ := os.ReadDir(f.lim.dir); len(left) > 0 {
		t.Errorf("%d spill files named in %s while spilling: a SIGKILL would leave them", len(left), f.lim.dir)
	}
	f.Done(ctx, s, Page{})
	for i := range n {
		tk, err := f.Next(ctx)
		want := fmt.Sprintf("http://a/%d?q=%s", i, strings.Repeat("x", i%300))
		if err != nil || tk.URL != want || tk.Key != want || tk.Parent != "s" || tk.Depth != 1 || tk.Extended != uint8(i) || tk.Check != (i%3 == 0) {
			t.Fatalf("task %d = %+v, %v", i, tk, err)
		}
		f.Done(ctx, tk, Page{})
	}
	if _, err := f.Next(ctx); !errors.Is(err, ErrDrained) {
		t.Errorf("Next = %v, want ErrDrained", err)
	}
	if n := f.spilled(); n > 0 {
		t.Errorf("%d bytes still spilled after every task was read", n)
	}
}

// TestFrontierNotFollowedCountsOnce checks that a URL skipped through one
// path and taken through another is not counted as skipped.
func TestFrontierNotFollowedCountsOnce(t *testing.T) {
	ctx := context.Background()
	f := testFrontier(t, frontierLimits{})
	f.Skip(ctx, "x", skipScope)
	f.Skip(ctx, "x", skipScope)
	f.Skip(ctx, "y", skipScope)
	f.Add(ctx, seedTask("x"))
	if got := f.notFollowed()[skipScope]; got != 1 {
		t.Errorf("%d URLs not followed for scope, want 1 (y)", got)
	}
}

// TestFrontierNotDrainedWhileTasksRun checks that Next waits for tasks in
// progress: a task may still add work, so the crawl is not over.
func TestFrontierNotDrainedWhileTasksRun(t *testing.T) {
	ctx := context.Background()
	f := testFrontier(t, frontierLimits{})
	f.Add(ctx, seedTask("a"))
	f.Close(ctx)
	tk, _ := f.Next(ctx)
	next := make(chan error, 1)
	go func() { _, err := f.Next(ctx); next <- err }()
	select {
	case err := <-next:
		t.Fatalf("Next returned %v while a task was in progress", err)
	case <-time.After(50 * time.Millisecond):
	}
	f.Done(ctx, tk, Page{})
	if err := <-next; !errors.Is(err, ErrDrained) {
		t.Errorf("Next = %v after the last Done, want ErrDrained", err)
	}
}

func TestFrontierAddBlocksWhenFull(t *testing.T) {
	ctx := context.Background()
	f := testFrontier(t, frontierLimits{seeds: 2})
	f.Add(ctx, seedTask("a"))
	f.Add(ctx, seedTask("b"))
	added := make(chan error, 1)
	go func() { _, err := f.Add(ctx, seedTask("c")); added <- err }()
	select {
	case <-added:
		t.Fatal("Add did not wait for room")
	case <-time.After(50 * time.Millisecond):
	}
	f.Next(ctx)
	if err := <-added; err != nil {
		t.Fatal(err)
	}

	cctx, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if _, err := f.Add(cctx, seedTask("d")); !errors.Is(err, context.Canceled) {
		t.Errorf("Add on a full frontier with a cancelled context = %v", err)
	}
	// A cancelled Add forgets the URL, so that it can be added again.
	f.Next(ctx)
	if ok, err := f.Add(ctx, seedTask("d")); !ok || err != nil {
		t.Errorf("re-adding a URL whose Add was cancelled: %v, %v", ok, err)
	}
}

// TestSeenSet compares the set with a map through adds, repeats, removes
// and growth, and checks that the spelling is told apart.
func TestSeenSet(t *testing.T) {
	s := newSeenSet()
	defer s.release()
	want := map[string]bool{}
	for i := range 20000 {
		u := fmt.Sprintf("https://example.com/%d", i%15000)
		got, same := s.add(u, s.rawHash(u))
		if got == want[u] || same != want[u] {
			t.Fatalf("add(%s) = %v, %v, but seen before: %v", u, got, same, want[u])
		}
		want[u] = true
		if i%7 == 0 {
			s.remove(u)
			delete(want, u)
		}
	}
	if s.n != len(want) {
		t.Errorf("%d keys, want %d", s.n, len(want))
	}
	for u := range want {
		if added, same := s.add(u, s.rawHash(u+"#other")); added || same {
			t.Fatalf("%s: add with another spelling = %v, %v", u, added, same)
		}
		if !s.has(u) {
			t.Fatalf("%s lost", u)
		}
	}
}

func TestFIFO(t *testing.T) {
	var q fifo[int]
	next, want := 0, 0
	for round := range 1000 {
		for range round%7 + 1 {
			q.push(next)
			next++
		}
		for range round % 5 {
			if q.len() == 0 {
				break
			}
			if got := q.pop(); got != want {
				t.Fatalf("pop = %d, want %d", got, want)
			}
			want++
		}
	}
	q.pushFront(-1)
	if q.pop() != -1 || q.pop() != want {
		t.Fatal("pushFront must put an item first in line")
	}
	if cap(q.items) > 4*q.len()+64 {
		t.Errorf("%d items waiting in a slice of %d: the queue keeps what passed through", q.len(), cap(q.items))
	}
}
