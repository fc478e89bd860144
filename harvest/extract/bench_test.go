package extract

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// largestFile returns the path and contents of the largest file matching
// pattern, or "" when none does.
func largestFile(tb testing.TB, pattern string) (string, []byte) {
	tb.Helper()
	paths, err := filepath.Glob(pattern)
	if err != nil {
		tb.Fatal(err)
	}
	var best string
	var size int64 = -1
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && fi.Size() > size {
			best, size = p, fi.Size()
		}
	}
	if best == "" {
		return "", nil
	}
	b, err := os.ReadFile(best)
	if err != nil {
		tb.Fatal(err)
	}
	return best, b
}

func BenchmarkExtract(b *testing.B) {
	base := mustParseURL(b, fixtureBase)
	run := func(b *testing.B, page []byte) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			x, err := Extract(base, bytes.NewReader(page))
			if err != nil {
				b.Fatal(err)
			}
			if len(x.Refs) == 0 {
				b.Fatal("no references found")
			}
		}
	}
	b.Run("fixture", func(b *testing.B) {
		path, page := largestFile(b, filepath.Join(goldenDir, "*.html"))
		if page == nil {
			b.Fatalf("no fixtures in %s", goldenDir)
		}
		b.Logf("%s, %d bytes", filepath.Base(path), len(page))
		run(b, page)
	})
	b.Run("corpus", func(b *testing.B) {
		path, page := largestFile(b, filepath.Join(corpusDir, "*.html"))
		if page == nil {
			b.Skipf("corpus not present at %s", corpusDir)
		}
		b.Logf("%s, %d bytes", filepath.Base(path), len(page))
		run(b, page)
	})
}
