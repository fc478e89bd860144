package extract

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

var update = flag.Bool("update", false, "rewrite the .golden files of testdata/extract")

// goldenDir holds the synthetic fixtures: NAME.html and, beside it,
// NAME.golden, the Extraction as indented JSON.
const goldenDir = "../../testdata/extract"

// fixtureBase is the URL every fixture is extracted as, but those of
// fixtureURLs.
const fixtureBase = "https://news.example/2024/05/story.html"

// fixtureURLs gives the URL of the fixtures that are not a news site's
// pages: a saved youtube.com page, whose relative /watch?v= links are
// references.
var fixtureURLs = map[string]string{
	"youtube-watch-page": "https://www.youtube.com/watch?v=srtMWzyqdp8",
}

func mustParseURL(tb testing.TB, s string) *url.URL {
	tb.Helper()
	u, err := url.Parse(s)
	if err != nil {
		tb.Fatalf("url.Parse(%q): %v", s, err)
	}
	return u
}

// marshalExtraction is the golden form of x: stable, indented, one field a
// line, ending in a newline.
func marshalExtraction(tb testing.TB, x *harvest.Extraction) []byte {
	tb.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep & and < readable in URLs and context
	enc.SetIndent("", "  ")
	if err := enc.Encode(x); err != nil {
		tb.Fatalf("marshal extraction: %v", err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	pages, err := filepath.Glob(filepath.Join(goldenDir, "*.html"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) == 0 {
		t.Fatalf("no fixtures in %s", goldenDir)
	}
	for _, page := range pages {
		name := strings.TrimSuffix(filepath.Base(page), ".html")
		base := mustParseURL(t, fixtureBase)
		if u, ok := fixtureURLs[name]; ok {
			base = mustParseURL(t, u)
		}
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(page)
			if err != nil {
				t.Fatal(err)
			}
			x, err := Extract(base, bytes.NewReader(in))
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			checkExtraction(t, x)
			got := marshalExtraction(t, x)
			golden := strings.TrimSuffix(page, ".html") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./harvest/extract -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Extract(%s) differs from %s (-want +got):\n%s", filepath.Base(page), filepath.Base(golden), lineDiff(string(want), string(got)))
			}
		})
	}
}

// knownKinds is the documented vocabulary of kinds (docs/extraction.md).
var knownKinds = map[string]bool{
	harvest.KindIframe: true, harvest.KindLazyIframe: true, harvest.KindAnchor: true,
	harvest.KindText: true, harvest.KindScript: true, harvest.KindMeta: true,
	harvest.KindJSONLD: true, harvest.KindOEmbed: true, harvest.KindLiteYouTube: true,
	harvest.KindAMP: true, harvest.KindWordPress: true, harvest.KindObject: true,
	harvest.KindThumbnail: true, harvest.KindDataAttribute: true, harvest.KindProxy: true,
}

// checkExtraction checks the properties every extraction has, whatever
// the page: references carry valid IDs and known kinds, there is one per
// (Type, ID, Kind), and links are absolute http(s) without fragments.
func checkExtraction(tb testing.TB, x *harvest.Extraction) {
	tb.Helper()
	type key struct {
		typ      harvest.RefType
		id, kind string
	}
	seen := make(map[key]bool)
	for _, r := range x.Refs {
		if !validRef(r) {
			tb.Errorf("invalid reference %+v", r)
		}
		if !knownKinds[r.Kind] {
			tb.Errorf("reference %+v has unknown kind", r)
		}
		if u, err := url.Parse(r.URL); err != nil || !isWebURL(u) {
			tb.Errorf("reference %+v: URL is not absolute http(s)", r)
		}
		if r.StartSeconds < 0 || r.StartSeconds > maxStartSeconds {
			tb.Errorf("reference %+v: start out of range", r)
		}
		if r.Type != harvest.RefVideo && (r.StartSeconds != 0 || r.PlaylistID != "") {
			tb.Errorf("reference %+v: start or playlist on a %s", r, r.Type)
		}
		k := key{r.Type, r.ID, r.Kind}
		if seen[k] {
			tb.Errorf("duplicate reference %+v", r)
		}
		seen[k] = true
	}
	links := make(map[string]bool)
	for _, l := range x.Links {
		u, err := url.Parse(l)
		if err != nil || !isWebURL(u) || strings.Contains(l, "#") {
			tb.Errorf("link %q is not an absolute http(s) URL without fragment", l)
		}
		if links[l] {
			tb.Errorf("duplicate link %q", l)
		}
		links[l] = true
	}
}

// lineDiff returns a line diff of a and b: lines only in a start with "-",
// lines only in b with "+". It is quadratic, which is fine for fixtures.
func lineDiff(a, b string) string {
	x := strings.SplitAfter(a, "\n")
	y := strings.SplitAfter(b, "\n")
	// lcs[i][j] is the length of the longest common subsequence of x[i:]
	// and y[j:].
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	line := func(prefix, s string) {
		fmt.Fprintf(&out, "%s%s", prefix, strings.TrimSuffix(s, "\n"))
		out.WriteByte('\n')
	}
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			line("  ", x[i])
			i++
			j++
		case j < len(y) && (i == len(x) || lcs[i][j+1] >= lcs[i+1][j]):
			line("+ ", y[j])
			j++
		default:
			line("- ", x[i])
			i++
		}
	}
	return out.String()
}

func TestExtractReadError(t *testing.T) {
	_, err := Extract(mustParseURL(t, fixtureBase), iotest.ErrReader(fmt.Errorf("connection reset")))
	if err == nil || !strings.Contains(err.Error(), "read html") {
		t.Errorf("Extract(failing reader) error = %v, want a wrapped read error", err)
	}
}

func TestExtractNilBase(t *testing.T) {
	const page = `<a href="/relative">r</a><a href="https://youtu.be/H7xQm2Lp9sA">v</a>
		<iframe src="//www.youtube.com/embed/Ab3_-9xYz01"></iframe>`
	x, err := Extract(nil, strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	checkExtraction(t, x)
	if len(x.Links) != 1 || x.Links[0] != "https://youtu.be/H7xQm2Lp9sA" {
		t.Errorf("Links = %q, want only the absolute link", x.Links)
	}
	if len(x.Refs) != 1 || x.Refs[0].ID != "H7xQm2Lp9sA" {
		t.Errorf("Refs = %+v, want the absolute link's video only", x.Refs)
	}
}

// TestExtractLarge checks that the cost stays linear: a page of several
// megabytes made of many blocks, links and pasted URLs, and one nested as
// deep as the parser allows, must extract within a bound of seconds each
// (measured here: under a second each, 5 s for the script page under
// -race). The bound is generous, for loaded machines, and still fails a
// cost that grows with the square of the page.
func TestExtractLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large pages in -short mode")
	}
	var wide strings.Builder
	wide.WriteString("<html><body><article>")
	for i := range 10000 {
		fmt.Fprintf(&wide, `<div class="c%d"><p>Paragraph %d with a link <a href="/p/%d">here</a> and https://youtu.be/H7xQm2Lp9s%c pasted.</p></div>`,
			i, i, i, 'A'+byte(i%26))
	}
	wide.WriteString("</article></body></html>")

	var deep strings.Builder
	deep.WriteString("<html><body>")
	for range 510 {
		deep.WriteString(`<div class="sidebar-widget">`)
	}
	deep.WriteString(strings.Repeat(`<p>text https://youtu.be/H7xQm2Lp9sA <a href="https://youtu.be/Ab3_-9xYz01">a</a></p>`, 3000))

	var soup strings.Builder // deeper than the HTML5 parser accepts
	soup.WriteString("<html><body>")
	for range 100000 {
		soup.WriteString("<div><span>")
	}
	soup.WriteString(`<a href="https://youtu.be/H7xQm2Lp9sA">deep</a>`)
	for range 100000 {
		soup.WriteString("</i>") // end tags that match nothing
	}

	// Text that makes a naive URL scanner rescan to the left or right at
	// every "youtu".
	text := "<p>" + strings.Repeat("youtu", 200000) + " " + strings.Repeat("youtube.com", 100000) +
		" " + strings.Repeat("http://youtu.be/", 50000) + "</p>"

	// Many pasted URLs in one block, each in its own text node.
	var block strings.Builder
	block.WriteString("<p>")
	for i := range 20000 {
		fmt.Fprintf(&block, "see https://youtu.be/Hx%08dQ here<br>", i)
	}

	// A script of several megabytes full of YouTube-looking tokens, and
	// attributes holding JSON.
	var script strings.Builder
	script.WriteString("<script>var s = [")
	for i := range 100000 {
		fmt.Fprintf(&script, `"https:\/\/www.youtube.com\/watch?v=Sx%08dQ&t=5","youtube.com","youtu",`, i%50)
	}
	script.WriteString("];</script>")
	for i := range 20000 {
		fmt.Fprintf(&script, `<div class="youtube-player" data-json='{"u":"https://youtu.be/Dx%08dQ"}' data-video-id="Vx%08dQ"></div>`, i%50, i%50)
	}

	// Links nested as deep as the loose parser goes, each wrapping the rest.
	var links strings.Builder
	for range 600 {
		links.WriteString("<div>")
	}
	for i := range 500 {
		fmt.Fprintf(&links, `<a href="https://youtu.be/Ax%08dQ"><span>`, i)
	}
	links.WriteString(strings.Repeat("<b>text</b>", 20000))

	base := mustParseURL(t, fixtureBase)
	for _, tc := range []struct {
		name string
		page string
		refs int
	}{
		{"wide", wide.String(), 26},
		{"deep", deep.String(), 2},
		{"soup", soup.String(), 1},
		{"text", text, 0},
		{"block", block.String(), 20000},
		{"script", script.String(), 150},
		{"links", links.String(), 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			x, err := Extract(base, strings.NewReader(tc.page))
			if err != nil {
				t.Fatal(err)
			}
			limit := 5 * time.Second
			if raceEnabled {
				limit = 40 * time.Second
			}
			if took := time.Since(start); took > limit {
				t.Errorf("%d bytes took %v, more than %v", len(tc.page), took, limit)
			}
			if len(x.Refs) != tc.refs {
				t.Errorf("%d bytes: got %d references, want %d", len(tc.page), len(x.Refs), tc.refs)
			}
		})
	}
}
