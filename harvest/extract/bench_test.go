package extract

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/harvestdev/ytharvest/internal/testserver"
)

// benchSet names a set of pages the throughput is measured on.
type benchSet string

const (
	// fixtureSet: the synthetic fixtures, made of references.
	fixtureSet benchSet = "fixtures"
	// corpusSet: the 53 real news pages of the corpus, every one of which
	// references a video.
	corpusSet benchSet = "corpus"
	// mixSet: a crawl's mix, in which most pages reference no video: the
	// corpus pages with their references stripped (stripMarks), one in
	// mixEvery of them as they are, and mixGenerated pages of the
	// generated site (internal/testserver) without videos.
	mixSet benchSet = "mix"
)

// The make-up of mixSet: of its 64 corpus pages 11 reference a video (a
// fifth of its bytes), of its 364 pages 3%.
const (
	mixEvery     = 5
	mixGenerated = 300
)

// benchPages returns the pages of set, less any the HTML5 parser refuses
// (the extractor parses those twice, which is the fallback's cost, not the
// rules'), and their total size. The corpus and the mix need the corpus:
// they are empty without it.
func benchPages(tb testing.TB, set benchSet) ([][]byte, int64) {
	tb.Helper()
	dir := corpusDir
	if set == fixtureSet {
		dir = goldenDir
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.html"))
	if err != nil {
		tb.Fatal(err)
	}
	var pages [][]byte
	var n int64
	add := func(b []byte) {
		if _, err := html.Parse(bytes.NewReader(b)); err == nil {
			pages = append(pages, b)
			n += int64(len(b))
		}
	}
	for i, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		if set != mixSet {
			add(b)
			continue
		}
		add(stripMarks(b))
		if i%mixEvery == 0 {
			add(b)
		}
	}
	if set == mixSet && len(pages) > 0 {
		for _, b := range generatedPages(mixGenerated) {
			add(b)
		}
	}
	return pages, n
}

// generatedPages returns the first n pages of the generated site, without
// videos, as its server writes them.
func generatedPages(n int) [][]byte {
	site := testserver.GeneratedSite{Pages: n, Videos: 0}
	var pages [][]byte
	for k := range n {
		path := "/"
		if k > 0 {
			path = "/p/" + strconv.Itoa(k)
		}
		rec := httptest.NewRecorder()
		site.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		pages = append(pages, rec.Body.Bytes())
	}
	return pages
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
// The corpus pages and the crawl mix are measured when ../shared/corpus is
// present, the synthetic fixtures always.
func BenchmarkExtract(b *testing.B) {
	for _, set := range []benchSet{fixtureSet, corpusSet, mixSet} {
		b.Run(string(set), func(b *testing.B) {
			if set != fixtureSet {
				if _, err := os.Stat(corpusDir); err != nil {
					b.Skipf("corpus not present at %s", corpusDir)
				}
			}
			pages, n := benchPages(b, set)
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

// The throughput extraction must keep, as a share of goquery's parse-only
// throughput on the same pages. The targets (issue 16): on the corpus, real
// pages that reference videos, 0.9 — nearly the parse's speed; on the crawl
// mix, where most pages reference none and take the fast path, 2.0. On the
// 2-core development machine the corpus measures 0.85–0.86 and the mix
// 1.90–2.16 (docs/PERFORMANCE.md); right after make test's race pass, with
// its servers still settling, one measurement gave 0.75 and 1.93. So the
// test holds floors well under what is measured — generous enough for a
// loaded machine, tight enough that a walk and rules two and a half times
// as costly as today's (a fifth of the parse to a half) fail — and logs
// the targets beside the figures.
const (
	targetCorpusRatio = 0.9
	targetMixRatio    = 2.0
	minCorpusRatio    = 0.72
	minMixRatio       = 1.7
)

// throughputRounds is how many rounds TestThroughputRatio times.
const throughputRounds = 21

// TestThroughputRatio checks both ratios, minCorpusRatio on the corpus
// pages and minMixRatio on the crawl mix (benchPages).
//
// Timings on a shared machine are noisy, and a best-of comparison is at
// the mercy of one lucky measurement on either side. So each round times
// the parse and the extraction of each set back to back, under the same
// load, and the test compares the medians of the rounds' ratios, over a
// fixed number of rounds.
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
	type measure struct {
		set    benchSet
		min    float64
		target float64
		pages  [][]byte
		n      int64
		parse  []time.Duration
		ext    []time.Duration
		ratios []float64
	}
	sets := []*measure{{set: corpusSet, min: minCorpusRatio, target: targetCorpusRatio},
		{set: mixSet, min: minMixRatio, target: targetMixRatio}}
	for _, m := range sets {
		m.pages, m.n = benchPages(t, m.set)
		if len(m.pages) == 0 {
			t.Fatalf("%s: no pages", m.set)
		}
		parseAll(t, m.pages) // warm up
		extractAll(t, m.pages)
	}
	timed := func(f func(testing.TB, [][]byte), pages [][]byte) time.Duration {
		start := time.Now()
		f(t, pages)
		return time.Since(start)
	}
	for range throughputRounds {
		for _, m := range sets {
			p := timed(parseAll, m.pages)
			e := timed(extractAll, m.pages)
			m.parse, m.ext = append(m.parse, p), append(m.ext, e)
			m.ratios = append(m.ratios, float64(p)/float64(e))
		}
	}
	median := func(d []time.Duration) time.Duration {
		d = slices.Clone(d)
		slices.Sort(d)
		return d[len(d)/2]
	}
	for _, m := range sets {
		r := slices.Clone(m.ratios)
		slices.Sort(r)
		ratio := r[len(r)/2]
		mbs := func(d time.Duration) float64 { return float64(m.n) / d.Seconds() / 1e6 }
		t.Logf("%s: %d pages, %d bytes, %d rounds (medians): parse %.1f MB/s, extract %.1f MB/s, ratio %.2f (rounds %.2f–%.2f; target %.2f)",
			m.set, len(m.pages), m.n, len(m.ratios), mbs(median(m.parse)), mbs(median(m.ext)), ratio, r[0], r[len(r)-1], m.target)
		if ratio < m.min {
			t.Errorf("%s: extraction runs at %.2f of the parse-only throughput, want at least %.2f", m.set, ratio, m.min)
		}
	}
}
