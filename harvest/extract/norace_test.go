//go:build !race

package extract

// raceEnabled reports whether the race detector is on: it slows the code
// down unevenly, so timing comparisons mean nothing under it.
const raceEnabled = false
