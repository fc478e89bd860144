package harvest

import "hash/maphash"

// seenSet remembers, for one run, URLs already handed to the frontier, so
// that the links every page repeats (navigation, "most read" boxes) do not
// cost the writer a statement each. It holds 64-bit hashes, at most max of
// them; when full it starts over, so memory stays bounded however large
// the frontier grows (the database stays the judge of what is known; the
// set only saves asking it). A hash collision would make the writer skip
// a new URL: with 64 bits and a few hundred thousand URLs the chance is
// below one in a billion per run.
type seenSet struct {
	seed maphash.Seed
	max  int
	m    map[uint64]struct{}
}

func newSeenSet(max int) *seenSet {
	return &seenSet{seed: maphash.MakeSeed(), max: max, m: make(map[uint64]struct{})}
}

// add records u and reports whether it was new.
func (s *seenSet) add(u string) bool {
	h := maphash.String(s.seed, u)
	if _, ok := s.m[h]; ok {
		return false
	}
	if len(s.m) >= s.max {
		clear(s.m)
	}
	s.m[h] = struct{}{}
	return true
}
