package report

import "slices"

// hashSet is a set of 64-bit hashes kept as a sorted slice, 8 bytes an
// entry where a map takes three times that, with a mark for each: the
// report holds one entry per (page, fragment) linked to across a site of
// millions of pages. Adds go to an unsorted tail, sorted in whenever the
// tail grows as long as the sorted part, so that repeats do not pile up.
// Lookups and marks need compact first.
type hashSet struct {
	h      []uint64
	sorted int      // h[:sorted] is sorted, without repeats
	marks  []uint64 // a bit for each entry of a compacted set
}

func (s *hashSet) add(h uint64) {
	s.h = append(s.h, h)
	if tail := len(s.h) - s.sorted; tail >= max(s.sorted, 4096) {
		s.compact()
	}
}

// compact sorts the set and drops repeats; marks are cleared.
func (s *hashSet) compact() {
	slices.Sort(s.h)
	s.h = slices.Clip(slices.Compact(s.h))
	s.sorted = len(s.h)
	s.marks = make([]uint64, (len(s.h)+63)/64)
}

func (s *hashSet) len() int { return len(s.h) }

// index returns where h is in the compacted set, if it is.
func (s *hashSet) index(h uint64) (int, bool) {
	return slices.BinarySearch(s.h[:s.sorted], h)
}

// mark marks h, if it is in the set.
func (s *hashSet) mark(h uint64) bool {
	i, ok := s.index(h)
	if ok {
		s.marks[i/64] |= 1 << (i % 64)
	}
	return ok
}

func (s *hashSet) marked(h uint64) bool {
	i, ok := s.index(h)
	return ok && s.marks[i/64]&(1<<(i%64)) != 0
}
