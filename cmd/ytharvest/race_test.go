//go:build race

package main

// raceEnabled reports whether the race detector is on: it slows the
// transpiled SQLite tenfold, so tests that only measure skip under it.
const raceEnabled = true
