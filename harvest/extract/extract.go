package extract

import (
	"fmt"
	"io"
	"net/url"

	"github.com/harvestdev/ytharvest/harvest"
)

// Extract reads one HTML page (UTF-8; the fetcher converts other charsets)
// whose URL is base and returns the YouTube references it makes, its
// absolute http(s) out-links and its facts. It matches harvest.ExtractFunc.
//
// References come from iframes (kind iframe, with the iframe's title as
// Context), YouTube URLs parked in an iframe's data-* attributes by lazy
// loaders (lazy_iframe), links (anchor, with the link text as Context) and
// URLs pasted into the visible text (text, with the surrounding text as
// Context). The markup inside <noscript> counts: it is what a reader
// without JavaScript sees. There is one Reference per (Type, ID, Kind),
// the first in document order, marked InBody when any of its occurrences
// is in the article body (and completed by a later one when it lacks a
// PlaylistID or Context).
//
// Relative URLs resolve against the page's <base href> when it has one,
// else against base; base may be nil, and then only absolute URLs count.
// The only error is a failure to read r: markup the HTML5 parser refuses
// is read by a looser parser instead.
func Extract(base *url.URL, r io.Reader) (*harvest.Extraction, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read html: %w", err)
	}
	doc := parse(b)
	href, hasBase := doc.Find("base[href]").First().Attr("href")
	w := newWalker(documentBase(base, href, hasBase))
	for _, n := range doc.Nodes {
		w.walk(n)
	}
	x := &harvest.Extraction{
		Refs:  w.refs(),
		Links: w.links,
	}
	if x.Links == nil {
		x.Links = []string{} // so that JSON says [] rather than null
	}
	w.facts.fill(x, w.base)
	return x, nil
}

// refs makes the page-wide decisions on the candidates: whether each is in
// the article body (which needs to know whether the page has a body
// container at all) and which are duplicates. The first occurrence of each
// (Type, ID, Kind) is kept, in document order, and is in the body if any
// occurrence is: a video embedded in the article and repeated in a
// "most watched" box is the article's video. A playlist or context the
// first occurrence lacks is taken from a later one, so that a link to the
// video inside its playlist is not lost behind a plain link to it.
func (w *walker) refs() []harvest.Reference {
	type key struct {
		typ      harvest.RefType
		id, kind string
	}
	refs := make([]harvest.Reference, 0, len(w.cands))
	index := make(map[key]int, len(w.cands))
	for _, c := range w.cands {
		ref := c.ref
		ref.InBody = c.region.inBody(w.hasContainer)
		k := key{ref.Type, ref.ID, ref.Kind}
		if i, dup := index[k]; dup {
			first := &refs[i]
			first.InBody = first.InBody || ref.InBody
			if first.PlaylistID == "" {
				first.PlaylistID = ref.PlaylistID
			}
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
