package crawler

import "hash/maphash"

// seenSet is the set of URL keys a frontier has taken, kept as hashes in an
// open-addressing table outside the Go heap (see allocSlots): 16 bytes a
// slot, at most 4/5 full, so a million URLs cost 20 to 40 MB, about a third
// of what a Go map of the same keys takes.
//
// A slot holds 96 bits of the key's hash and 32 bits of the hash of the
// spelling that took it (rawNone when none did, as for a redirect target).
// With 96 bits two distinct keys collide (and one would be taken for a
// repeat) with odds of about 10^-15 at ten million URLs, far below those of
// a hardware fault. The spelling's hash only tells a seed given twice
// (nothing to report) from two spellings of one page (the second gets a
// record saying so); a collision there, at odds of 2^-32 a repeated page,
// would leave out that duplicate's record. release frees the table.
type seenSet struct {
	seed  [2]maphash.Seed
	slots [][2]uint64 // the zero slot is empty
	n     int
}

// rawNone is the spelling hash of a key taken by no spelling in particular.
const rawNone = 0

func newSeenSet() *seenSet {
	return &seenSet{seed: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
}

// sibling returns an empty set that hashes as s does, so that the slots of
// one can be looked up in the other (see minus).
func (s *seenSet) sibling() *seenSet { return &seenSet{seed: s.seed} }

// hash returns the key's hash as it is stored, with rawNone for spelling.
func (s *seenSet) hash(key string) [2]uint64 {
	k := [2]uint64{maphash.String(s.seed[0], key), maphash.String(s.seed[1], key) &^ 0xffffffff}
	if k[0] == 0 {
		k[0] = 1 // the zero slot means empty
	}
	return k
}

// rawHash returns the 32-bit hash of a spelling; never rawNone.
func (s *seenSet) rawHash(raw string) uint64 {
	return max(maphash.String(s.seed[0], raw)&0xffffffff, 1)
}

func sameKey(a, b [2]uint64) bool { return a[0] == b[0] && a[1]>>32 == b[1]>>32 }

// find returns the index of k's slot, or of the empty slot where it would go.
func (s *seenSet) find(k [2]uint64) uint64 {
	mask := uint64(len(s.slots) - 1)
	i := k[0] & mask
	for s.slots[i] != ([2]uint64{}) && !sameKey(s.slots[i], k) {
		i = (i + 1) & mask
	}
	return i
}

// add inserts key, taken by spelling raw (rawNone for none), and reports
// whether it was new and, if not, whether raw is the spelling that took it.
func (s *seenSet) add(key string, raw uint64) (added, sameRaw bool) {
	if 5*(s.n+1) > 4*len(s.slots) {
		s.grow()
	}
	k := s.hash(key)
	i := s.find(k)
	if old := s.slots[i]; old != ([2]uint64{}) {
		r := old[1] & 0xffffffff
		return false, r != rawNone && r == raw
	}
	s.slots[i] = [2]uint64{k[0], k[1] | raw}
	s.n++
	return true, false
}

// has reports whether key is in the set.
func (s *seenSet) has(key string) bool { return s.hasHash(s.hash(key)) }

func (s *seenSet) hasHash(k [2]uint64) bool {
	return s.n > 0 && s.slots[s.find(k)] != ([2]uint64{})
}

// minus counts the keys of s that are not in o, a sibling.
func (s *seenSet) minus(o *seenSet) int {
	n := 0
	for _, k := range s.slots {
		if k != ([2]uint64{}) && !o.hasHash(k) {
			n++
		}
	}
	return n
}

// remove deletes key, which must be the last key added (an Add that could
// not queue it takes it back).
func (s *seenSet) remove(key string) {
	if s.n == 0 {
		return
	}
	mask := uint64(len(s.slots) - 1)
	i := s.find(s.hash(key))
	if s.slots[i] == ([2]uint64{}) {
		return
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
	for _, k := range old {
		if k != ([2]uint64{}) {
			s.slots[s.find(k)] = k
		}
	}
}

// release frees the table; the set is empty afterwards.
func (s *seenSet) release() {
	freeSlots(s.slots)
	s.slots, s.n = nil, 0
}
