package crawler

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestMemoryFrontier(t *testing.T) {
	ctx := context.Background()
	f := newMemFrontier(10)
	for _, u := range []string{"a", "b", "a", "c", "b"} {
		f.Add(ctx, Task{Seed: Seed{URL: u}})
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
		f.Done(ctx, tk)
	}
	if len(got) != 3 || got[0] != "a" || got[1] != "b" || got[2] != "c" {
		t.Errorf("got %v, want [a b c] in order", got)
	}
}

// TestFrontierNotDrainedWhileTasksRun checks that Next waits for tasks in
// progress: a task may still add work, so the crawl is not over.
func TestFrontierNotDrainedWhileTasksRun(t *testing.T) {
	ctx := context.Background()
	f := newMemFrontier(10)
	f.Add(ctx, Task{Seed: Seed{URL: "a"}})
	f.Close(ctx)
	tk, _ := f.Next(ctx)
	next := make(chan error, 1)
	go func() { _, err := f.Next(ctx); next <- err }()
	select {
	case err := <-next:
		t.Fatalf("Next returned %v while a task was in progress", err)
	case <-time.After(50 * time.Millisecond):
	}
	f.Done(ctx, tk)
	if err := <-next; !errors.Is(err, ErrDrained) {
		t.Errorf("Next = %v after the last Done, want ErrDrained", err)
	}
}

func TestFrontierAddBlocksWhenFull(t *testing.T) {
	ctx := context.Background()
	f := newMemFrontier(2)
	f.Add(ctx, Task{Seed: Seed{URL: "a"}})
	f.Add(ctx, Task{Seed: Seed{URL: "b"}})
	added := make(chan error, 1)
	go func() { _, err := f.Add(ctx, Task{Seed: Seed{URL: "c"}}); added <- err }()
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
	if _, err := f.Add(cctx, Task{Seed: Seed{URL: "d"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Add on a full frontier with a cancelled context = %v", err)
	}
	// A cancelled Add forgets the URL, so that it can be added again.
	f.Next(ctx)
	if ok, err := f.Add(ctx, Task{Seed: Seed{URL: "d"}}); !ok || err != nil {
		t.Errorf("re-adding a URL whose Add was cancelled: %v, %v", ok, err)
	}
}

// TestSeenSet compares the set with a map through adds, repeats, removes
// and growth.
func TestSeenSet(t *testing.T) {
	s := newSeenSet()
	want := map[string]bool{}
	for i := range 20000 {
		u := fmt.Sprintf("https://example.com/%d", i%15000)
		if got := s.add(u); got == want[u] {
			t.Fatalf("add(%s) = %v, but seen before: %v", u, got, want[u])
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
		if s.add(u) {
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
