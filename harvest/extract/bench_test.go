package extract

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// benchPages returns the pages the throughput is measured on: every page
// of the corpus, or the synthetic fixtures, less any the HTML5 parser
// refuses (the extractor parses those twice, which is the fallback's cost,
// not the rules'). It also returns their total size.
func benchPages(tb testing.TB, corpus bool) ([][]byte, int64) {
	tb.Helper()
	pattern := filepath.Join(goldenDir, "*.html")
	if corpus {
		pattern = filepath.Join(corpusDir, "*.html")
	}
	paths, err := filepath.Glob(pattern)
	if err != nil {
		tb.Fatal(err)
	}
	var pages [][]byte
	var n int64
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := html.Parse(bytes.NewReader(b)); err != nil {
			continue
		}
		pages = append(pages, b)
		n += int64(len(b))
	}
	return pages, n
}

// parseAll parses every page with goquery alone: the baseline.
func parseAll(tb testing.TB, pages [][]byte) {
	for _, p := range pages {
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(p))
		if err != nil || doc == nil {
			tb.Fatalf("parse: %v", err)
		}
	}
}

// extractAll extracts every page: parsing and every rule.
func extractAll(tb testing.TB, pages [][]byte) {
	base := mustParseURL(tb, fixtureBase)
	for _, p := range pages {
		if _, err := Extract(base, bytes.NewReader(p)); err != nil {
			tb.Fatalf("Extract: %v", err)
		}
	}
}

// BenchmarkExtract reports the throughput of extraction beside that of
// goquery's parse alone on the same pages, in the same run:
//
//	go test -run='^$' -bench=Extract -benchmem ./harvest/extract/
//
// The corpus pages are measured when ../shared/corpus is present, the
// synthetic fixtures always.
func BenchmarkExtract(b *testing.B) {
	for _, set := range []struct {
		name   string
		corpus bool
	}{{"fixtures", false}, {"corpus", true}} {
		b.Run(set.name, func(b *testing.B) {
			if set.corpus {
				if _, err := os.Stat(corpusDir); err != nil {
					b.Skipf("corpus not present at %s", corpusDir)
				}
			}
			pages, n := benchPages(b, set.corpus)
			if len(pages) == 0 {
				b.Fatal("no pages")
			}
			b.Run("parse", func(b *testing.B) {
				b.SetBytes(n)
				b.ReportAllocs()
				for b.Loop() {
					parseAll(b, pages)
				}
			})
			b.Run("extract", func(b *testing.B) {
				b.SetBytes(n)
				b.ReportAllocs()
				for b.Loop() {
					extractAll(b, pages)
				}
			})
		})
	}
}

// minThroughputRatio is the least share of goquery's parse-only throughput
// that extraction (parse and every rule) must keep.
const minThroughputRatio = 0.75

// TestThroughputRatio checks that extraction keeps minThroughputRatio of
// the parse-only throughput on the corpus pages, real pages with the
// density of references real pages have. (The synthetic fixtures are made
// of references, one a line, so the rules' work weighs far more there;
// BenchmarkExtract reports them all the same.)
//
// Timings on a shared machine are noisy, and a best-of comparison is at
// the mercy of one lucky measurement on either side. So each round times
// parse and extraction back to back, under the same load, and the test
// compares the median of the rounds' ratios; more rounds are run before a
// low median is reported.
func TestThroughputRatio(t *testing.T) {
	if testing.Short() {
		t.Skip("timing comparison in -short mode")
	}
	if raceEnabled {
		t.Skip("timing comparison under the race detector, which slows the rules and the parser unevenly")
	}
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("corpus not present at %s: the throughput ratio is measured on real pages", corpusDir)
	}
	pages, n := benchPages(t, true)
	if len(pages) == 0 {
		t.Fatal("no pages")
	}
	timed := func(f func(testing.TB, [][]byte)) time.Duration {
		start := time.Now()
		f(t, pages)
		return time.Since(start)
	}
	parseAll(t, pages) // warm up
	extractAll(t, pages)
	// A fixed number of rounds, alternating, and the medians: a loaded
	// machine slows some rounds of either, not the median ratio.
	const rounds = 21
	var parses, extracts []time.Duration
	var ratios []float64
	median := func() (float64, time.Duration, time.Duration) {
		r := slices.Clone(ratios)
		p, e := slices.Clone(parses), slices.Clone(extracts)
		slices.Sort(r)
		slices.Sort(p)
		slices.Sort(e)
		return r[len(r)/2], p[len(p)/2], e[len(e)/2]
	}
	for range rounds {
		p := timed(parseAll)
		e := timed(extractAll)
		parses, extracts = append(parses, p), append(extracts, e)
		ratios = append(ratios, float64(p)/float64(e))
	}
	ratio, parse, extract := median()
	mbs := func(d time.Duration) float64 { return float64(n) / d.Seconds() / 1e6 }
	t.Logf("%d pages, %d bytes, %d rounds (medians): parse %.1f MB/s, extract %.1f MB/s, ratio %.2f",
		len(pages), n, len(ratios), mbs(parse), mbs(extract), ratio)
	if ratio < minThroughputRatio {
		t.Errorf("extraction runs at %.2f of the parse-only throughput, want at least %.2f", ratio, minThroughputRatio)
	}
}
