package extract

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// slowOutLink is the long way fastOutLink must agree with.
func slowOutLink(base *url.URL, href string) (string, bool) {
	return outLink(resolve(base, href))
}

// checkFastOutLink checks that the fast path, where it answers, gives what
// the long way gives.
func checkFastOutLink(t *testing.T, base *url.URL, href string) {
	t.Helper()
	w := newWalker(base)
	if otherScheme(href) {
		if s, ok := slowOutLink(base, href); ok {
			t.Errorf("otherScheme(%q) but the long way gives the out-link %q", href, s)
		}
		return
	}
	prefix, s, ok := w.fastOutLink(href)
	if !ok {
		return
	}
	fast := prefix + s
	slow, slowOK := slowOutLink(base, href)
	if !slowOK || fast != slow {
		t.Errorf("base %s, href %q: fast path %q, long way %q, %v", base, href, fast, slow, slowOK)
	}
}

func TestOutLinkFastPath(t *testing.T) {
	base := mustParseURL(t, fixtureBase)
	for _, href := range []string{
		"https://example.com", "https://example.com/", "http://example.com/a/b?c=d&e=f",
		"https://example.com:8080/x", "https://example.com/a//b", "https://example.com/a/./b",
		"https://example.com/a/../b", "https://example.com/%7Euser", "https://example.com/%zz",
		"https://Example.com/", "https://example.com/a#frag", "https://user@example.com/",
		"https://example.com/a b", "https://example.com/ä", "https://example.com/?q=a b",
		"https://example.com/?q=ä", "/", "/a/b?c", "/a/../b", "//cdn.example/x", "/a#b",
		"#top", "#", "?page=2", "page.html", "javascript:void(0)", "mailto:a@b.c",
		"JAVASCRIPT:x", "tel:+1", "data:text/html,x", "ftp://x/", "https://", "https:///x",
		"https://example.com:/x", "https://.example.com/", "https://example.com/a;b=c",
		"https://example.com/a'b(c)*+,;=:@!$&", "https://example.com/~x.y_z-w",
		"http://[::1]/", "https://example.com?x", "https://example.com/?", "/?",
		"//cdn.example/x#y", "//Cdn.example/x", "///x", "?a=b#c", "?", "?#", "/a#%zz", "/a#%4",
		"https://example.com/a#%41", "https://example.com#x", "https://example.com?#",
		"#%zz", "#a%2", "#a b", "/a#b#c", "https://example.com/a?b#c d", "?a b",
		"https://example.com/a?b=c%zz", "/a/b/.", "/a/b/..", "/.x", "https://example.com/a/%2e",
		"https://example.com/./a", "https://example.com/../a", "https://example.com/a/..b/c.",
		"https://web.archive.org/web/1/http://x.example/a", "/@user?x=1", "/a/.?x", "/a/..#y",
	} {
		checkFastOutLink(t, base, href)
	}
	// Every link of the fixtures and, when present, of the corpus.
	var paths []string
	for _, dir := range []string{goldenDir, corpusDir} {
		p, _ := filepath.Glob(filepath.Join(dir, "*.html"))
		paths = append(paths, p...)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := html.Parse(bytes.NewReader(b))
		if err != nil {
			continue
		}
		for n := range doc.Descendants() {
			if n.Type == html.ElementNode && (n.DataAtom == atom.A || n.DataAtom == atom.Area) {
				if href, ok := attrOK(n, "href"); ok {
					checkFastOutLink(t, base, href)
				}
			}
		}
	}
}
