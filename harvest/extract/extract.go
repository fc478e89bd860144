package extract

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/harvestdev/ytharvest/harvest"
)

// Extract reads one HTML page (UTF-8; the fetcher converts other charsets)
// whose URL is base and returns the YouTube references it makes, its
// absolute http(s) out-links and its facts. It matches harvest.ExtractFunc.
//
// The page is parsed once (goquery's parser, falling back to a looser one
// for pages nested deeper than it accepts) and walked once. References
// come from every place a careful reader of the HTML would look: iframes
// and their lazy-loading data-* attributes, links, URLs pasted into the
// text, player components and WordPress embeds, <object>/<embed>, page
// metadata, JSON-LD, oEmbed links, thumbnails, script text, bare IDs in
// YouTube player markup, and other sites' URLs that wrap a YouTube one.
// Each Reference says how it was made (Kind) and whether it sits in the
// article body or in site chrome (InBody); docs/extraction.md lists the
// forms and the rules.
//
// There is one Reference per (Type, ID, Kind), the first in document
// order, marked InBody when any of its occurrences is in the article body
// (and given a later one's Context when it has none).
//
// Relative URLs resolve against the page's <base href> when it has one,
// else against base; base may be nil, and then only absolute URLs count.
// The only error is a failure to read r.
//
// A page whose bytes hold none of the marks every reference starts from
// (prescan.go) is not parsed into a tree: its out-links and facts are read
// from its tokens (fastpath.go), which gives the same result.
func Extract(base *url.URL, r io.Reader) (*harvest.Extraction, error) {
	page, release, err := readPage(r)
	if err != nil {
		return nil, fmt.Errorf("read html: %w", err)
	}
	defer release()
	m := scanMarks(page)
	if !m.any() && !onYouTube(base) {
		if x, ok := fastExtract(base, page); ok {
			return x, nil
		}
	}
	return fullExtract(base, page, m), nil
}

// fullExtract parses page into a tree and walks it; m are its marks.
func fullExtract(base *url.URL, page []byte, m marks) *harvest.Extraction {
	doc := parse(page).Nodes[0]
	href, hasBase := headBase(doc)
	w := walkPage(doc, documentBase(base, href, hasBase), len(page), m)
	if !hasBase && w.bodyBase != nil {
		// A <base> written in the body still sets the base of every URL of
		// the document, including those before it: walk again.
		href, _ := attrOK(w.bodyBase, "href")
		w.free()
		w = walkPage(doc, documentBase(base, href, true), len(page), m)
	}
	defer w.free()
	x := &harvest.Extraction{
		Refs: w.refs(),
		// The walker keeps its slice for the next page; this one is
		// allocated once, at its size. Never nil, so that JSON says [].
		Links: append(make([]string, 0, len(w.links)), w.links...),
	}
	w.facts.fill(x, w.base)
	return x
}

// onYouTube reports whether the page at base is on a YouTube host, where
// every relative link is a reference.
func onYouTube(base *url.URL) bool {
	if base == nil {
		return false
	}
	f, _ := classifyHost(lowerHost(base))
	return f != notYouTube
}

// walkPage walks the document doc, of size bytes and marks m, with the
// given base.
func walkPage(doc *html.Node, base *url.URL, size int, m marks) *walker {
	w := newWalker(base)
	// Without the marks in the page's bytes, no attribute names a
	// self-hosted thumbnail and no script calls the IFrame Player API.
	w.thumbMarks = m.selfThumb || m.charRef
	w.apiMarks = m.api || m.charRef
	w.recs = slices.Grow(w.recs, size/recordBytes)
	w.walk(doc)
	if len(w.thumbIDs) > 0 {
		w.findCalls(doc)
	}
	return w
}

// recordBytes is about how many bytes of HTML make one record
// (content.go): the records slice is sized for the page at once.
const recordBytes = 128

// pageBufs keeps the buffers pages are read into between calls: the tree
// and the result copy what they keep of a page.
var pageBufs = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledPage bounds the buffers pageBufs keeps.
const maxPooledPage = 4 << 20

// readPage reads all of r into a buffer, which release gives back.
func readPage(r io.Reader) (page []byte, release func(), err error) {
	bp := pageBufs.Get().(*[]byte)
	b := (*bp)[:0]
	if l, ok := r.(interface{ Len() int }); ok && l.Len() > cap(b) {
		b = make([]byte, 0, l.Len()+1) // +1: the read that says EOF
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			pageBufs.Put(bp)
			return nil, nil, err
		}
	}
	return b, func() {
		if cap(b) <= maxPooledPage {
			*bp = b[:0]
			pageBufs.Put(bp)
		}
	}, nil
}

// headBase returns the href of the first <base href> in the document's
// <head>, where the parser puts every <base> written before the body, and
// whether there is one. The walk notes one written in the body.
func headBase(doc *html.Node) (string, bool) {
	for h := doc.FirstChild; h != nil; h = h.NextSibling {
		if h.Type != html.ElementNode || h.DataAtom != atom.Html {
			continue
		}
		for head := h.FirstChild; head != nil; head = head.NextSibling {
			if head.Type != html.ElementNode || head.DataAtom != atom.Head {
				continue
			}
			for c := head.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && c.DataAtom == atom.Base {
					if href, ok := attrOK(c, "href"); ok {
						return href, true
					}
				}
			}
		}
	}
	return "", false
}

// containsFold reports whether s contains needle, whose first byte is not
// a letter and whose other bytes are lower-case ASCII, in any case.
func containsFold(s, needle string) bool {
	for i := 0; i+len(needle) <= len(s); i++ {
		j := strings.IndexByte(s[i:], needle[0])
		if j < 0 {
			return false
		}
		i += j
		if i+len(needle) > len(s) {
			return false
		}
		k := 1
		for k < len(needle) && s[i+k]|0x20 == needle[k] {
			k++
		}
		if k == len(needle) {
			return true
		}
	}
	return false
}

// refs makes the page-wide decisions on the candidates: whether each is in
// the article body (see content.go) and which are duplicates. The first
// occurrence of each (Type, ID, Kind) is kept, in document order, and is in
// the body if any occurrence is: a video embedded in the article and
// repeated in a "most watched" box is the article's video. A context the
// first occurrence lacks (an image-only link) is taken from a later one.
// Its playlist is its own: a later link to the video inside a playlist
// adds that playlist as a reference of its own.
func (w *walker) refs() []harvest.Reference {
	type key struct {
		typ      harvest.RefType
		id, kind string
	}
	bs := w.decide()
	refs := make([]harvest.Reference, 0, len(w.cands))
	index := make(map[key]int, len(w.cands))
	for _, c := range w.cands {
		if c.needsCall && !w.thumbIDs[c.ref.ID] {
			continue // a self-hosted thumbnail that no call names
		}
		ref := c.ref
		ref.InBody = w.candInBody(bs, &c)
		k := key{ref.Type, ref.ID, ref.Kind}
		if i, dup := index[k]; dup {
			first := &refs[i]
			first.InBody = first.InBody || ref.InBody
			if first.Context == "" {
				first.Context = ref.Context
			}
			continue
		}
		index[k] = len(refs)
		refs = append(refs, ref)
	}
	return refs
}
