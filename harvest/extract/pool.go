package extract

import (
	"net/url"
	"sync"
)

// walkers keeps walkers between pages: a walk needs records, stacks and
// maps sized for the page, and a crawl extracts one page after another.
var walkers = sync.Pool{New: func() any { return new(walker) }}

// newWalker returns a walker for a page whose document base is base; free
// returns it when the page is done.
func newWalker(base *url.URL) *walker {
	w := walkers.Get().(*walker)
	w.reset(base)
	if base != nil {
		f, _ := classifyHost(lowerHost(base))
		w.baseYT = f != notYouTube
		w.origin = originOf(base)
	}
	root := w.newRecord(-1, 0)
	w.stack = append(w.stack, scope{rec: root, article: -1})
	return w
}

// reset empties w for a new page, keeping the storage of its slices and
// maps.
func (w *walker) reset(base *url.URL) {
	seen, classes, names := w.seenLinks, w.classes, w.names
	if seen == nil || len(seen) > maxReusedMap {
		seen = make(map[string]struct{}, 64)
	}
	if classes == nil || len(classes) > maxReusedMap {
		classes = make(map[string]classInfo)
	}
	if names == nil || len(names) > maxReusedMap {
		names = make(map[string]nameClass)
	}
	*w = walker{
		base:        base,
		cands:       w.cands[:0],
		links:       w.links[:0],
		seenLinks:   seen,
		classes:     classes,
		names:       names,
		stack:       w.stack[:0],
		recs:        w.recs[:0],
		pending:     w.pending[:0],
		anchors:     w.anchors[:0],
		ctx:         textBuf{b: w.ctx.b[:0]},
		articles:    w.articles[:0],
		headBuf:     textBuf{b: w.headBuf.b[:0]},
		slugArticle: -1,
		headline:    -1,
		headRec:     -1,
	}
}

// maxReusedMap bounds the maps a walker keeps for the next page: clearing
// a map costs as much as its largest size, not its current one.
const maxReusedMap = 4096

// free returns w to the pool once the page's result is built. What points
// into the page (nodes, the strings of references) is cleared, so that
// the pool holds on to no page.
func (w *walker) free() {
	clear(w.cands)
	clear(w.links)
	clear(w.stack)
	clear(w.pending)
	clear(w.anchors)
	clear(w.seenLinks)
	clear(w.classes)
	clear(w.names)
	w.thumbIDs, w.bodyBase, w.cur, w.facts = nil, nil, nil, facts{}
	walkers.Put(w)
}
