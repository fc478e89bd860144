package extract

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/harvestdev/ytharvest/harvest"
)

// corpusDir holds real pages saved by other projects' test suites, labelled
// by hand (see its PROVENANCE.md). It lives outside the repository and is
// read only when present; pages are never copied into testdata.
const corpusDir = "../../../shared/corpus/pages"

// corpusPage is one row of MANIFEST.tsv.
type corpusPage struct {
	file          string
	expected      []string // every video ID the page references
	body          []string // those that belong to the article itself
	playlists     []string // every playlist the page references
	bodyPlaylists []string // those that belong to the article itself
}

// readManifest reads MANIFEST.tsv, finding the columns by name.
func readManifest(t *testing.T, dir string) []corpusPage {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Fatalf("open manifest: %v", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = '\t'
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		t.Fatalf("read manifest header: %v", err)
	}
	col := func(name string) int {
		i := slices.Index(header, name)
		if i < 0 {
			t.Fatalf("manifest has no column %q", name)
		}
		return i
	}
	fileCol, expCol, bodyCol := col("file"), col("expected_video_ids"), col("body_video_ids")
	plCol, bodyPlCol := col("expected_playlist_ids"), col("body_playlist_ids")
	var pages []corpusPage
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read manifest: %v", err)
		}
		pages = append(pages, corpusPage{
			file:          rec[fileCol],
			expected:      idList(rec[expCol]),
			body:          idList(rec[bodyCol]),
			playlists:     idList(rec[plCol]),
			bodyPlaylists: idList(rec[bodyPlCol]),
		})
	}
	return pages
}

// idList splits a space-separated manifest cell; "-" means none.
func idList(s string) []string {
	if strings.TrimSpace(s) == "-" {
		return nil
	}
	return strings.Fields(s)
}

// extractCorpusPage extracts a corpus page as the crawler would see it.
// The manifest does not give the pages' URLs, so the URL the page declares
// for itself stands in (that is what makes the relative /watch?v= links of
// a saved youtube.com page resolve), and a neutral URL when it declares
// none.
func extractCorpusPage(tb testing.TB, name string, body []byte) *harvest.Extraction {
	tb.Helper()
	base := declaredURL(body)
	if base == nil {
		base = &url.URL{Scheme: "https", Host: "corpus.invalid", Path: "/" + name}
	}
	x, err := Extract(base, bytes.NewReader(body))
	if err != nil {
		tb.Fatalf("Extract(%s): %v", name, err)
	}
	return x
}

// declaredURL returns the absolute URL a page gives for itself in
// <link rel=canonical> or og:url, or nil.
func declaredURL(body []byte) *url.URL {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return nil
	}
	for _, sel := range []struct{ css, attr string }{
		{`link[rel~="canonical"]`, "href"},
		{`meta[property="og:url"]`, "content"},
	} {
		if v, ok := doc.Find(sel.css).First().Attr(sel.attr); ok {
			if u, err := url.Parse(strings.TrimSpace(v)); err == nil && isWebURL(u) {
				return u
			}
		}
	}
	return nil
}

// labelDisputes lists the manifest labels this test does not hold the
// extractor to, each with the reason: a label a careful reading of the page
// shows to be wrong. It is empty: every label holds.
var labelDisputes = map[string]string{}

// TestCorpus holds the extractor to the hand labels of every page of the
// corpus: the video IDs found anywhere on the page are exactly the labelled
// ones (recall and precision 1), and so are the playlists; and the videos
// (and playlists) with a reference in the article body are exactly the
// ones labelled as the article's own.
func TestCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("corpus not present at %s (it lives beside the repository, in ../shared/corpus): skipping recall and precision checks", corpusDir)
	}
	pages := readManifest(t, corpusDir)
	if len(pages) == 0 {
		t.Fatal("manifest lists no pages")
	}
	var expected, found, exact int
	for _, p := range pages {
		b, err := os.ReadFile(filepath.Join(corpusDir, p.file))
		if err != nil {
			t.Errorf("read %s: %v", p.file, err)
			continue
		}
		x := extractCorpusPage(t, p.file, b)
		checkExtraction(t, x)
		videos, videoBody := refSets(x, harvest.RefVideo)
		playlists, playlistBody := refSets(x, harvest.RefPlaylist)
		var problems []string
		problems = append(problems, setDiff("videos", videos, p.expected)...)
		problems = append(problems, setDiff("playlists", playlists, p.playlists)...)
		problems = append(problems, setDiff("body videos", videoBody, p.body)...)
		problems = append(problems, setDiff("body playlists", playlistBody, p.bodyPlaylists)...)
		expected += len(p.expected)
		for _, id := range p.expected {
			if videos[id] {
				found++
			}
		}
		if len(problems) == 0 {
			exact++
			continue
		}
		if reason, ok := labelDisputes[p.file]; ok {
			t.Logf("%s: label disputed (%s): %s", p.file, reason, strings.Join(problems, "; "))
			continue
		}
		t.Errorf("%s: %s", p.file, strings.Join(problems, "; "))
		for _, r := range x.Refs {
			t.Logf("  %s %s %s body=%v %s", r.Type, r.ID, r.Kind, r.InBody, r.URL)
		}
	}
	t.Logf("corpus: %d/%d pages exact; videos found %d/%d", exact, len(pages), found, expected)
}

// refSets returns the IDs of x's references of type typ, and those of them
// with a reference in the article body.
func refSets(x *harvest.Extraction, typ harvest.RefType) (all, body map[string]bool) {
	all, body = map[string]bool{}, map[string]bool{}
	for _, r := range x.Refs {
		if r.Type != typ {
			continue
		}
		all[r.ID] = true
		if r.InBody {
			body[r.ID] = true
		}
	}
	return all, body
}

// setDiff describes how got differs from the labelled want.
func setDiff(what string, got map[string]bool, want []string) []string {
	var missing, extra []string
	wantSet := map[string]bool{}
	for _, id := range want {
		wantSet[id] = true
		if !got[id] {
			missing = append(missing, id)
		}
	}
	for id := range got {
		if !wantSet[id] {
			extra = append(extra, id)
		}
	}
	slices.Sort(extra)
	var out []string
	if len(missing) > 0 {
		out = append(out, fmt.Sprintf("%s missing %v", what, missing))
	}
	if len(extra) > 0 {
		out = append(out, fmt.Sprintf("%s not labelled %v", what, extra))
	}
	return out
}
