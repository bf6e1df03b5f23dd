package crawler

import "hash/maphash"

// seenSet is the set of URLs a frontier has accepted, kept as 128-bit
// hashes in an open-addressing table outside the Go heap (see allocSlots):
// 16 bytes a slot, at most 4/5 full, so a list of a million URLs costs 20
// to 40 MB, about a third of what a Go map of the same keys takes. With 128
// bits two distinct URLs collide (and one would be taken for a repeat) with
// odds far below those of a hardware fault; 64 bits would make it about one
// in a few billion at a million URLs, too often to drop a URL silently.
// release frees the table.
type seenSet struct {
	seed  [2]maphash.Seed
	slots [][2]uint64 // the zero key marks an empty slot
	n     int
}

func newSeenSet() *seenSet {
	return &seenSet{seed: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
}

func (s *seenSet) key(u string) [2]uint64 {
	k := [2]uint64{maphash.String(s.seed[0], u), maphash.String(s.seed[1], u)}
	if k == ([2]uint64{}) {
		k[1] = 1 // the zero key means empty
	}
	return k
}

// add inserts u and reports whether it was new.
func (s *seenSet) add(u string) bool {
	if 5*(s.n+1) > 4*len(s.slots) {
		s.grow()
	}
	k := s.key(u)
	mask := uint64(len(s.slots) - 1)
	for i := k[0] & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case k:
			return false
		case [2]uint64{}:
			s.slots[i] = k
			s.n++
			return true
		}
	}
}

// remove deletes u, which must be the last URL added (an Add that could
// not queue it takes it back).
func (s *seenSet) remove(u string) {
	k := s.key(u)
	mask := uint64(len(s.slots) - 1)
	i := k[0] & mask
	for s.slots[i] != k {
		if s.slots[i] == ([2]uint64{}) {
			return
		}
		i = (i + 1) & mask
	}
	// Backward-shift deletion keeps every other key reachable.
	for j := (i + 1) & mask; s.slots[j] != ([2]uint64{}); j = (j + 1) & mask {
		home := s.slots[j][0] & mask
		if (j-home)&mask >= (j-i)&mask {
			s.slots[i] = s.slots[j]
			i = j
		}
	}
	s.slots[i] = [2]uint64{}
	s.n--
}

func (s *seenSet) grow() {
	old := s.slots
	s.slots = allocSlots(max(1024, 2*len(old)))
	defer freeSlots(old)
	mask := uint64(len(s.slots) - 1)
	for _, k := range old {
		if k == ([2]uint64{}) {
			continue
		}
		i := k[0] & mask
		for s.slots[i] != ([2]uint64{}) {
			i = (i + 1) & mask
		}
		s.slots[i] = k
	}
}

// release frees the table; the set is empty afterwards.
func (s *seenSet) release() {
	freeSlots(s.slots)
	s.slots, s.n = nil, 0
}
