package report

import "testing"

// TestHashSet adds many hashes, each several times and out of order, so
// that the tail is sorted in again and again: each is in the set once,
// and marks go to the hash marked.
func TestHashSet(t *testing.T) {
	var s hashSet
	const n = 20000
	for round := range 3 {
		for i := range n {
			s.add(uint64((i*7919 + round) % n * 2)) // the even numbers below 2n
		}
	}
	s.compact()
	if s.len() != n {
		t.Fatalf("%d entries, want %d", s.len(), n)
	}
	for _, h := range []uint64{0, 2, 2 * (n - 1)} {
		if !has(&s, h) || s.marked(h) {
			t.Errorf("%d: has %v marked %v before any mark", h, has(&s, h), s.marked(h))
		}
	}
	if has(&s, 1) || s.mark(1) || has(&s, 2*n) {
		t.Error("an odd number, or one past the end, is in the set")
	}
	s.mark(4)
	if !s.marked(4) || s.marked(2) || s.marked(6) {
		t.Errorf("marks: 2 %v, 4 %v, 6 %v; want only 4", s.marked(2), s.marked(4), s.marked(6))
	}
}

func has(s *hashSet, h uint64) bool {
	_, ok := s.index(h)
	return ok
}
