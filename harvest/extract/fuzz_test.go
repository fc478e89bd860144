package extract

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/harvest"
)

func FuzzParseURL(f *testing.F) {
	for _, tc := range parseURLCases() {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, ok := ParseURL(s)
		if !ok {
			if ref != (harvest.Reference{}) {
				t.Errorf("ParseURL(%q) = %+v with ok=false", s, ref)
			}
			return
		}
		if !validRef(ref) {
			t.Errorf("ParseURL(%q) = %+v: invalid ID for its type", s, ref)
		}
		if ref.StartSeconds < 0 || ref.StartSeconds > maxStartSeconds {
			t.Errorf("ParseURL(%q) = %+v: start out of range", s, ref)
		}
		if ref.Kind != "" || ref.Context != "" || ref.InBody {
			t.Errorf("ParseURL(%q) = %+v: set fields that belong to the caller", s, ref)
		}
		// ParseURL is deterministic and its URL classifies the same way.
		again, ok := ParseURL(ref.URL)
		if !ok || again != ref {
			t.Errorf("ParseURL(%q) = %+v, but ParseURL of its URL = %+v, %v", s, ref, again, ok)
		}
	})
}

func FuzzExtract(f *testing.F) {
	pages, _ := filepath.Glob(filepath.Join(goldenDir, "*.html"))
	for _, p := range pages {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, tc := range parseURLCases() {
		f.Add([]byte(`<a href="` + tc.in + `">x</a><iframe src="` + tc.in + `"></iframe><p>see ` + tc.in + `.</p>`))
	}
	for _, s := range []string{
		`<base href="//other.example/x/"><a href="y">y</a>`,
		`<noscript><noscript><iframe src="https://www.youtube.com/embed/BItSgrSYAXA"></iframe></noscript></noscript>`,
		`<article><aside><a href="https://youtu.be/H7xQm2Lp9sA"><img alt="x"></a></aside></article>`,
		`<p>youtu.be/H7xQm2Lp9sA youtube.com/watch?v=Ab3_-9xYz01 //youtu.be/Cd5-_8wXy02</p>`,
		strings.Repeat("<div>", 600) + `<a href="https://youtu.be/H7xQm2Lp9sA">deep</a>`,
	} {
		f.Add([]byte(s))
	}
	base := mustParseURL(f, fixtureBase)
	f.Fuzz(func(t *testing.T, page []byte) {
		x, err := Extract(base, bytes.NewReader(page))
		if err != nil {
			t.Fatalf("Extract: %v", err) // only a failing reader may fail
		}
		checkExtraction(t, x)
	})
}
