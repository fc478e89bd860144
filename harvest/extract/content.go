package extract

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/harvestdev/ytharvest/harvest"
)

// The body decision has two halves. The walk marks each node's region from
// markup (body.go). This file adds what needs the whole page: which of
// several articles is the page's own, and, on pages whose markup names no
// article container at all, where the text is dense. Both work on records:
// one per block element, holding the text statistics of its subtree and
// its parent, so that the decision after the walk never touches the tree.

// recFlags describe a record.
type recFlags uint16

const (
	recChrome       recFlags = 1 << iota // in site chrome
	recContainer                         // in (or is) a body container
	recHasContainer                      // has a body container in its subtree
	recArticle                           // an article of its own (see elemInfo.article)
	recPara                              // p, pre, td: scored as a paragraph
	recLeaf                              // div-like: scored as a paragraph when it holds no block
	recHasBlock                          // has a block child
	recPositive                          // class or id words in favour of content
	recHead                              // in <head>
	recRuns                              // its own runs of inline text score as paragraphs
)

// record is one block element as the body decision sees it.
type record struct {
	parent int32
	depth  int32
	flags  recFlags
	text   int32   // bytes of visible text in the subtree
	link   int32   // of which inside links
	commas int32   // commas in that text
	run    int32   // bytes of text directly inside, since the last block child
	runCom int32   // commas in that run
	score  float32 // paragraph scores credited by descendants (readability's contentScore)
}

// Paragraph scoring, after Mozilla's readability: a paragraph of at least
// minParagraph bytes scores 1, plus one per comma-separated part, plus one
// per 100 bytes (at most 3), credited in full to its parent, half to its
// grandparent and a third of its level to the levels above, up to
// scoreLevels levels.
const (
	minParagraph = 25
	scoreLevels  = 5
)

// newRecord opens the record of an element whose parent record is parent.
// A block starting inside the parent ends the parent's current run of
// inline text, which readability would wrap in a paragraph of its own.
func (w *walker) newRecord(parent int32, flags recFlags) int32 {
	depth := int32(0)
	if parent >= 0 {
		w.flushRun(parent)
		p := &w.recs[parent]
		p.flags |= recHasBlock
		depth = p.depth + 1
	}
	w.recs = append(w.recs, record{parent: parent, depth: depth, flags: flags})
	return int32(len(w.recs) - 1)
}

// closeRecord finishes record i once its element ends: its text counts for
// its parent, and a paragraph credits its score to its ancestors.
func (w *walker) closeRecord(i int32) {
	r := &w.recs[i]
	para := r.flags&recPara != 0 || r.flags&recLeaf != 0 && r.flags&recHasBlock == 0
	if !para {
		w.flushRun(i)
	}
	if r.parent < 0 {
		return
	}
	p := &w.recs[r.parent]
	p.text += r.text
	p.link += r.link
	p.commas += r.commas
	if r.flags&recContainer != 0 {
		p.flags |= recHasContainer
	}
	p.flags |= r.flags & recHasContainer
	if para && r.text-r.link >= minParagraph {
		w.credit(r.parent, r.flags, r.text, r.commas)
	}
}

// flushRun scores the run of inline text directly inside record i as a
// paragraph of i's, as readability does with the phrasing content of a
// <div> that also holds blocks.
func (w *walker) flushRun(i int32) {
	r := &w.recs[i]
	if r.run >= minParagraph && r.flags&recRuns != 0 {
		w.credit(i, r.flags, r.run, r.runCom)
	}
	r.run, r.runCom = 0, 0
}

// credit adds the score of a paragraph of text bytes and commas to record
// a and its ancestors. Paragraphs in chrome or <head> score nothing.
func (w *walker) credit(a int32, flags recFlags, text, commas int32) {
	if flags&(recChrome|recHead) != 0 {
		return
	}
	s := 2 + float32(commas) + float32(min(text/100, 3))
	for level := 0; a >= 0 && level < scoreLevels; level++ {
		div := float32(1)
		switch level {
		case 0:
		case 1:
			div = 2
		default:
			div = float32(level * 3)
		}
		w.recs[a].score += s / div
		a = w.recs[a].parent
	}
}

// recordFlags returns the flags of a new record for element n.
func recordFlags(n *html.Node, e *elemInfo, r region) recFlags {
	var f recFlags
	if r.chrome {
		f |= recChrome
	}
	if r.head {
		f |= recHead
	}
	if r.container && !r.chrome {
		f |= recContainer
	}
	if e.article && !r.chrome {
		f |= recArticle
	}
	if e.positive {
		f |= recPositive
	}
	switch n.DataAtom {
	case atom.P, atom.Pre, atom.Td:
		f |= recPara
	case atom.Div, atom.Section, atom.Article, atom.Blockquote, atom.Center:
		f |= recLeaf | recRuns
	case atom.Main, atom.Body, atom.Form, atom.Dd, atom.Figure, 0:
		f |= recRuns
	}
	return f
}

// needsRecord reports whether element n gets a record: blocks, custom
// elements (web components lay out whole pages) and anything the body
// decision refers to.
func needsRecord(n *html.Node, e *elemInfo) bool {
	if n.Namespace != "" {
		return false // svg, math
	}
	return isBlock(n.DataAtom) || n.DataAtom == 0 || e.article || e.container || e.headline || isHeading(n.DataAtom)
}

func isHeading(a atom.Atom) bool {
	switch a {
	case atom.H1, atom.H2, atom.H3:
		return true
	}
	return false
}

// isAncestor reports whether record a is b or one of its ancestors.
func (w *walker) isAncestor(a, b int32) bool {
	if a < 0 || b < 0 {
		return false
	}
	da := w.recs[a].depth
	for b >= 0 && w.recs[b].depth > da {
		b = w.recs[b].parent
	}
	return a == b
}

// lca returns the nearest common ancestor of records a and b.
func (w *walker) lca(a, b int32) int32 {
	for a != b {
		if w.recs[a].depth >= w.recs[b].depth {
			a = w.recs[a].parent
		} else {
			b = w.recs[b].parent
		}
		if a < 0 || b < 0 {
			return -1
		}
	}
	return a
}

// minArticleText is the least text (less link text) the densest block
// must hold to be taken for the article: a page with less is a video page,
// a list or a stub, and its layout says where the article is better than
// its text does.
const minArticleText = 200

// topText returns the record with the densest text, readability's top
// candidate: the highest paragraph score, raised by a fifth for class or
// id words in favour of content and scaled down by the share of its text
// that is link text. Chrome and <head> never count. It returns -1 when no
// block holds enough text.
func (w *walker) topText() int32 {
	best, bestScore := int32(-1), float32(0)
	for i := range w.recs {
		r := &w.recs[i]
		if r.score <= 0 || r.flags&(recChrome|recHead) != 0 || r.text-r.link < minArticleText {
			continue
		}
		s := r.score
		if r.flags&recPositive != 0 {
			s *= 1.2
		}
		s *= 1 - float32(r.link)/float32(r.text)
		if s > bestScore {
			best, bestScore = int32(i), s
		}
	}
	return best
}

// headlines: the walk collects the text of every h1–h3 (and
// itemprop=headline) outside chrome and keeps the one that best matches
// the page's title, so that the page's own article can be told from the
// others it lists.

// maxHeading bounds the heading text kept for matching.
const maxHeading = 400

// headingDone scores the heading of record rec, whose text is in
// w.headBuf, against the page title.
func (w *walker) headingDone(rec int32) {
	if w.recs[rec].flags&(recChrome|recHead) != 0 {
		return
	}
	if !w.titleReady {
		w.titleReady = true
		w.titleNorm = normalizeTitle(w.facts.title)
		w.ogTitleNorm = normalizeTitle(w.facts.ogTitle)
		w.siteNorm = normalizeTitle(w.facts.ogSiteName)
	}
	h := normalizeTitle(w.headBuf.String())
	if h == w.siteNorm {
		return // the site's name (a front page's h1), which its title repeats
	}
	s := max(titleMatch(h, w.titleNorm), titleMatch(h, w.ogTitleNorm))
	if s > w.headlineScore {
		w.headline, w.headlineScore = rec, s
	}
}

// minTitleMatch is the least share of the title a heading must cover to be
// taken for the article's headline; site names ("Example News" in "Story |
// Example News") cover less.
const minTitleMatch = 0.4

// titleMatch scores heading h against title t (both normalised): 1 when
// one contains the other whole, else the share of t that h covers when t
// contains h, and 0 when h is too short to say anything.
func titleMatch(h, t string) float32 {
	if len(h) < 8 || t == "" {
		return 0
	}
	if strings.Contains(h, t) {
		return 1
	}
	if !strings.Contains(t, h) {
		return 0
	}
	s := float32(len(h)) / float32(len(t))
	if s < minTitleMatch {
		return 0
	}
	return s
}

// normalizeTitle lower-cases s and keeps its letters and digits, one space
// between words, so that quotes, dashes and entities written differently
// in the title and the heading do not matter.
func normalizeTitle(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		space = true
	}
	return b.String()
}

// canonicalSlug returns the last non-empty path segment of the page's
// canonical URL (or og:url), which pages that list several articles often
// use as the id of the article element that is the page's own.
func canonicalSlug(f *facts, base *url.URL) string {
	raw := f.canonical
	if raw == "" {
		raw = f.ogURL
	}
	if raw == "" {
		return ""
	}
	u := resolve(base, raw)
	if u == nil {
		return ""
	}
	p := strings.TrimRight(u.Path, "/")
	slug := p[strings.LastIndexByte(p, '/')+1:]
	if utf8.RuneCountInString(slug) < 8 {
		return "" // "index", "amp": says nothing
	}
	return slug
}

// bodyScope is the page-wide half of the body decision.
type bodyScope struct {
	// listing: the page is a list of articles of their own (a front
	// page of teaser cards) and none of them is its own, so it has no
	// article body at all.
	listing bool
	// video: on a page that declares itself a video (og:type video.*),
	// the video it declares, whose references are body wherever they
	// sit outside chrome.
	video string
	// containers: the page marks its article with containers (article,
	// main, articleBody…) and the dense text lies in or around one, so a
	// node is in the body when it is inside a container…
	containers bool
	// primary: …and not inside an article of its own that lies outside
	// this block, the page's own article (pages that stack a dozen full
	// articles, or list teaser cards as <article>s without calling the
	// list "related").
	primary int32
	// scope: on a page without usable containers, the block that holds
	// the article: the nearest common ancestor of the headline and the
	// densest text. -1 when the page gives no clue; then everything
	// outside chrome is body.
	scope int32
}

// place is where a candidate reference sits, as the body decision needs it.
type place struct {
	rec     int32 // the innermost record
	article int32 // the innermost record of an article of its own, or -1
	region  region
}

// decide makes the page-wide decisions once the walk is over.
func (w *walker) decide() bodyScope {
	bs := bodyScope{primary: -1, scope: -1, video: w.declaredVideo()}
	top := w.topText()
	if w.hasContainer {
		if top < 0 {
			bs.containers = true
		} else if f := w.recs[top].flags; f&(recContainer|recHasContainer) != 0 {
			bs.containers = true
		}
	}
	if bs.containers {
		if w.isListing() {
			bs.listing = true
			return bs
		}
		bs.primary = w.primaryArticle(top)
		return bs
	}
	switch {
	case top >= 0 && w.headline >= 0:
		bs.scope = w.lca(top, w.headline)
	case top >= 0:
		bs.scope = top
		if p := w.recs[top].parent; p >= 0 {
			bs.scope = p // the text's block and what stands beside it: a hero video, a caption
		}
	}
	return bs
}

// isListing reports whether the page lists articles of their own without
// being one: it has at least two outside chrome and inside no other, it
// has a title but no heading matches it (the site's name, og:site_name,
// is no headline), no article is named by the canonical URL, and it does
// not declare itself an article (og:type). A front page of teaser cards
// is one; the densest card is its lead story, not its article. A page
// without a title gives no way to tell, and is not.
func (w *walker) isListing() bool {
	if w.outerArticles < 2 || w.headline >= 0 || w.slugArticle >= 0 || strings.HasPrefix(w.facts.ogType, "article") {
		return false
	}
	return normalizeTitle(w.facts.title) != "" || normalizeTitle(w.facts.ogTitle) != ""
}

// declaredVideo returns the video that a page declaring itself a video
// (og:type video.other, video.episode, video.movie…) is about: the one its
// og:video (or twitter:player) names, else the first video a player on the
// page shows outside chrome; "" on other pages. The page is that video, so
// its player is the article body even where the text around it says
// otherwise (a player above the block of headline and description).
func (w *walker) declaredVideo() string {
	if !strings.HasPrefix(w.facts.ogType, "video") {
		return ""
	}
	for _, raw := range [...]string{w.facts.ogVideo, w.facts.twPlayer} {
		id := ""
		if raw != "" {
			w.lookup(raw, func(f found) {
				if id == "" && f.ref.Type == harvest.RefVideo {
					id = f.ref.ID
				}
			})
		}
		if id != "" {
			return id
		}
	}
	for _, c := range w.cands {
		if c.ref.Type == harvest.RefVideo && playerKind(c.ref.Kind) && !c.needsCall && !c.at.region.chrome && !c.at.region.head {
			return c.ref.ID
		}
	}
	return ""
}

// playerKind reports whether references of kind k are players that show
// the video on the page, rather than links, metadata or images.
func playerKind(k string) bool {
	switch k {
	case harvest.KindIframe, harvest.KindLazyIframe, harvest.KindLiteYouTube, harvest.KindAMP,
		harvest.KindWordPress, harvest.KindObject:
		return true
	}
	return false
}

// primaryArticle picks the part of the page that is its own article, so
// that the other articles of their own it holds are not body: the article
// holding the headline, else the one whose id is the canonical URL's slug,
// else the one holding the densest text. When the headline and the dense
// text are in no article at all, every article that neither holds the
// dense text nor sits inside it (teaser cards, the next story) is another
// one. With no headline and no dense text, an only article is the
// page's own. -1 when there is no article or no way to tell.
func (w *walker) primaryArticle(top int32) int32 {
	if len(w.articles) == 0 {
		return -1
	}
	innermost := func(rec int32) int32 {
		for a := rec; a >= 0; a = w.recs[a].parent {
			if w.recs[a].flags&recArticle != 0 {
				return a
			}
		}
		return -1
	}
	if w.headline >= 0 {
		if a := innermost(w.headline); a >= 0 {
			return a
		}
	}
	if w.slugArticle >= 0 {
		return w.slugArticle
	}
	if top >= 0 {
		if a := innermost(top); a >= 0 {
			return a
		}
	}
	switch {
	case top >= 0:
		return top
	case w.headline >= 0:
		return w.headline
	case len(w.articles) == 1:
		return w.articles[0]
	}
	return -1
}

// candInBody decides whether candidate c is in the article body: by where
// it sits, or as the video a video page declares.
func (w *walker) candInBody(bs bodyScope, c *candidate) bool {
	if c.ref.Type == harvest.RefVideo && c.ref.ID == bs.video && !c.at.region.chrome && !c.at.region.head {
		return true
	}
	return w.inBody(bs, c.at)
}

// inBody decides whether a reference at p is in the article body.
func (w *walker) inBody(bs bodyScope, p place) bool {
	if p.region.chrome || p.region.head || bs.listing {
		return false
	}
	if bs.containers {
		if !p.region.container {
			return false
		}
		if bs.primary >= 0 && p.article >= 0 && !w.isAncestor(p.article, bs.primary) && !w.isAncestor(bs.primary, p.article) {
			return false // inside another article
		}
		return true
	}
	if bs.scope >= 0 {
		return w.isAncestor(bs.scope, p.rec)
	}
	return true
}
