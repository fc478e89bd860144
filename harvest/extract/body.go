package extract

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// region is where a node sits in the page layout, as inherited from its
// ancestors. It is decided from markup alone: semantic elements, ARIA
// roles, microdata and the class and id words that content management
// systems use for the same purpose, never from which site a page comes
// from. The page-wide part of the body decision (which of several articles
// is the page's own, where the text is dense) is in content.go.
type region struct {
	// chrome: inside site furniture (navigation, header, footer, sidebar,
	// related links, comments, ads). Once set it sticks, so an <article>
	// card inside a related-posts block stays chrome.
	chrome bool
	// container: inside an element that holds the article body (article,
	// main, [itemprop=articleBody], .entry-content…).
	container bool
	// head: inside <head>. Page metadata describes the page, but it is not
	// the article body: an og:video repeats the body's embed at best.
	head bool
}

// chromeStrength grades how strongly an element marks site chrome.
type chromeStrength uint8

const (
	noChrome chromeStrength = iota
	// weakChrome is page furniture that an article also uses for its own
	// parts: an <article> has its own <header> (title, hero video) and
	// <footer> (tags), and may carry a share bar. Inside a body container
	// these stay body.
	weakChrome
	// strongChrome is a block that is not the article even when it sits
	// inside it: an aside, related links, comments, ads, promotions.
	strongChrome
)

// enter returns the region of element n, described by e, whose parent is
// in region p.
func (p region) enter(n *html.Node, e *elemInfo) region {
	switch n.DataAtom {
	case atom.Html, atom.Body:
		// Layout classes on <body> ("has-sidebar", "single-post") describe
		// the whole page, not a block of it.
		return p
	case atom.Head:
		p.head = true
		return p
	}
	r := region{chrome: p.chrome, container: p.container || e.container, head: p.head}
	switch e.chrome {
	case strongChrome:
		r.chrome = true
	case weakChrome:
		if !p.container && !e.container {
			r.chrome = true
		}
	}
	return r
}

// elemInfo is what one element's tag and attributes say, read in one pass
// over its attributes.
type elemInfo struct {
	chrome    chromeStrength
	container bool // holds an article body
	article   bool // is an article of its own: <article>, schema.org Article, hentry
	positive  bool // class or id words readability favours (content, post, story…)
	headline  bool // itemprop=headline
	itemprop  bool // has an itemprop attribute
	hits      bool // some URL-valued attribute holds "youtu" or "ytimg"
	hrefHit   bool // the href does (or the page is YouTube's): a link's, read by anchor
	bareID    bool // some data-* attribute may hold a bare video ID
	selfThumb bool // some attribute may name a self-hosted thumbnail (selfthumb.go)
}

// elementInfo reads the tag and attributes of n in one pass. Inside site
// chrome (inChrome), which every descendant inherits, what an element says
// about the layout (chrome, containers, articles, readability's words) no
// longer matters, and only what may make a reference and the page facts
// are read: that is most elements of a page (menus, sidebars, footers).
// Whether an element names YouTube or wraps a player is asked only where
// a reference is found (players.go).
func (w *walker) elementInfo(n *html.Node, inChrome bool) elemInfo {
	var e elemInfo
	switch n.DataAtom {
	case atom.Aside:
		e.chrome = strongChrome
	case atom.Nav, atom.Header, atom.Footer, atom.Dialog:
		e.chrome = weakChrome
	case atom.Article:
		e.container, e.article = true, true
	case atom.Main:
		e.container = true
	}
	for i := range n.Attr {
		a := &n.Attr[i]
		if a.Namespace != "" {
			continue
		}
		switch a.Key {
		case "class":
			if !inChrome {
				ci := w.classInfo(a.Val)
				e.chrome = max(e.chrome, ci.chrome)
				e.container = e.container || ci.container
				e.article = e.article || ci.article
				e.positive = e.positive || ci.positive
			}
		case "itemprop":
			e.itemprop = true
			if !inChrome {
				w.layoutAttr(&e, a)
			}
		case "id", "role", "itemtype":
			if !inChrome {
				w.layoutAttr(&e, a)
			}
		case "href", "src":
			if w.baseYT || indexYT(a.Val) >= 0 {
				e.hits = true
				e.hrefHit = e.hrefHit || a.Key == "href"
			}
			e.selfThumb = e.selfThumb || w.thumbMarks && mayHoldSelfThumb(a.Key, a.Val)
		default:
			w.refAttr(&e, a)
		}
	}
	return e
}

// layoutAttr reads an attribute that describes the element's place in the
// layout: class, id, role, itemprop, itemtype.
func (w *walker) layoutAttr(e *elemInfo, a *html.Attribute) {
	switch a.Key {
	case "class":
		ci := w.classInfo(a.Val)
		e.chrome = max(e.chrome, ci.chrome)
		e.container = e.container || ci.container
		e.article = e.article || ci.article
		e.positive = e.positive || ci.positive
	case "id":
		ni := classifyName(a.Val, true)
		e.chrome = max(e.chrome, ni.chrome)
		e.positive = e.positive || ni.positive
		e.container = e.container || ni.container
	case "role":
		switch strings.ToLower(strings.TrimSpace(a.Val)) {
		case "main":
			e.container = true
		case "complementary":
			e.chrome = strongChrome
		case "navigation", "banner", "contentinfo", "dialog", "menu", "menubar":
			e.chrome = max(e.chrome, weakChrome)
		}
	case "itemprop":
		for f := range strings.FieldsSeq(a.Val) {
			switch {
			case strings.EqualFold(f, "articleBody"):
				e.container = true
			case strings.EqualFold(f, "headline"):
				e.headline = true
			}
		}
	case "itemtype":
		// schema.org Article, NewsArticle, BlogPosting… as microdata.
		for f := range strings.FieldsSeq(a.Val) {
			f = strings.ToLower(f[strings.LastIndexByte(f, '/')+1:])
			if strings.HasSuffix(f, "article") || strings.HasSuffix(f, "posting") {
				e.container, e.article = true, true
			}
		}
	}
}

// refAttr reads an attribute that may make a reference: a URL, a data-*
// value, an event handler.
func (w *walker) refAttr(e *elemInfo, a *html.Attribute) {
	switch a.Key {
	case "href", "src":
		if w.baseYT || indexYT(a.Val) >= 0 {
			e.hits = true
			e.hrefHit = e.hrefHit || a.Key == "href"
		}
		e.selfThumb = e.selfThumb || w.thumbMarks && mayHoldSelfThumb(a.Key, a.Val)
	case "data", "content", "value", "poster", "srcset", "srcdoc", "style":
		if indexYT(a.Val) >= 0 {
			e.hits = true
		}
		e.selfThumb = e.selfThumb || w.thumbMarks && mayHoldSelfThumb(a.Key, a.Val)
	default:
		switch {
		case strings.HasPrefix(a.Key, "data-"):
			if indexYT(a.Val) >= 0 {
				e.hits = true
			}
			if n := len(a.Val); videoIDLen <= n && n <= videoIDLen+2 {
				e.bareID = true
			}
			e.selfThumb = e.selfThumb || w.thumbMarks && mayHoldSelfThumb(a.Key, a.Val)
		case strings.HasPrefix(a.Key, "on"):
			if w.handlerHits(a.Key, a.Val) { // a YouTube URL or an IFrame Player API call
				e.hits = true
			}
		}
	}
}
