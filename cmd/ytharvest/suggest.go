package main

import (
	"flag"
	"fmt"
)

// "Did you mean": the nearest known name to a misspelt one.

// suggestTop finishes the message about an unknown top-level key with the
// nearest shared flag, or the nearest flag of command (which belongs in its
// table).
func suggestTop(name string, shared, fs *flag.FlagSet, command string) string {
	if n := nearest(name, flagNames(shared)); n != "" {
		return fmt.Sprintf("; did you mean %q?", n)
	}
	if n := nearest(name, flagNames(fs)); n != "" {
		return fmt.Sprintf("; did you mean %q (in [%s])?", n, command)
	}
	return ""
}

func flagNames(fs *flag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name != "config" {
			names = append(names, f.Name)
		}
	})
	return names
}

// nearest returns the name nearest to key, or "" when none is near
// enough to be a typo of it.
func nearest(key string, names []string) string {
	best, bestD := "", -1
	for _, n := range names {
		if d := editDistance(key, n); bestD < 0 || d < bestD || d == bestD && n < best {
			best, bestD = n, d
		}
	}
	if bestD < 0 || bestD > max(2, len(key)/3) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes (keys
// are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
