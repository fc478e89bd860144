package extract

import (
	"os"
	"testing"

	"golang.org/x/net/html"
)

// BenchmarkWalk times the walk and the rules alone, on the corpus pages
// parsed beforehand: what extraction adds to goquery's parse.
//
//	go test -run='^$' -bench=Walk -benchmem ./harvest/extract/
func BenchmarkWalk(b *testing.B) {
	if _, err := os.Stat(corpusDir); err != nil {
		b.Skipf("corpus not present at %s", corpusDir)
	}
	pages, n := benchPages(b, corpusSet)
	base := mustParseURL(b, fixtureBase)
	docs := make([]*html.Node, len(pages))
	marks := make([]marks, len(pages))
	for i, p := range pages {
		docs[i] = parse(p).Nodes[0]
		marks[i] = scanMarks(p)
		// The walk re-parses <noscript>s in place: once, here, so that
		// every pass walks the same trees.
		walkPage(docs[i], base, len(p), marks[i]).free()
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		for i, doc := range docs {
			w := walkPage(doc, base, len(pages[i]), marks[i])
			_ = w.refs()
			w.free()
		}
	}
}
