package extract

import (
	"bytes"
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
	ytish     bool // its class, id, tag or a provider attribute names YouTube
	wordpress bool // a WordPress YouTube embed wrapper
	hits      bool // some URL-valued attribute holds "youtu" or "ytimg"
	hrefHit   bool // the href does (or the page is YouTube's): a link's, read by anchor
	bareID    bool // some data-* attribute may hold a bare video ID
	selfThumb bool // some attribute may name a self-hosted thumbnail (selfthumb.go)
}

// classInfo is what a class attribute says; the walker caches it by value,
// since pages repeat the same class lists thousands of times.
type classInfo struct {
	chrome    chromeStrength
	container bool
	article   bool
	positive  bool
	ytish     bool
	wordpress bool
}

// parseClass reads a class attribute.
func parseClass(v string) classInfo {
	var ci classInfo
	var wpEmbed, ytProvider bool
	for f := range strings.FieldsSeq(v) {
		ni := classifyName(f, false)
		ci.chrome = max(ci.chrome, ni.chrome)
		ci.positive = ci.positive || ni.positive
		ci.container = ci.container || ni.container
		if f == "hentry" || f == "h-entry" { // microformats for a blog entry
			ci.container, ci.article = true, true
		}
		if indexYT(f) >= 0 {
			ci.ytish = true
		}
		switch f {
		case "wp-block-embed-youtube", // Gutenberg's YouTube block
			"embed-youtube",        // Jetpack's shortcode wrapper
			"lyMe", "lyte-wrapper": // WP YouTube Lyte
			ci.wordpress = true
		case "wp-block-embed":
			wpEmbed = true
		case "is-provider-youtube":
			ytProvider = true
		}
	}
	if wpEmbed && ytProvider {
		ci.wordpress = true
	}
	return ci
}

// elementInfo reads the tag and attributes of n in one pass.
func (w *walker) elementInfo(n *html.Node) elemInfo {
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
	case 0:
		if indexYT(n.Data) >= 0 { // <lite-youtube>, <amp-youtube>, <youtube-video>
			e.ytish = true
		}
	}
	for i := range n.Attr {
		a := &n.Attr[i]
		if a.Namespace != "" {
			continue
		}
		switch a.Key {
		case "class":
			ci := w.classInfo(a.Val)
			e.chrome = max(e.chrome, ci.chrome)
			e.container = e.container || ci.container
			e.article = e.article || ci.article
			e.positive = e.positive || ci.positive
			e.ytish = e.ytish || ci.ytish
			e.wordpress = e.wordpress || ci.wordpress
		case "id":
			ni := classifyName(a.Val, true)
			e.chrome = max(e.chrome, ni.chrome)
			e.positive = e.positive || ni.positive
			e.container = e.container || ni.container
			if indexYT(a.Val) >= 0 {
				e.ytish = true
			}
			if strings.HasPrefix(a.Val, "WYL_") { // WP YouTube Lyte: id="WYL_<ID>"
				e.wordpress = true
			}
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
			e.itemprop = true
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
		case "href", "src":
			if w.baseYT || indexYT(a.Val) >= 0 {
				e.hits = true
				e.hrefHit = e.hrefHit || a.Key == "href"
			}
			e.selfThumb = e.selfThumb || mayHoldSelfThumb(a.Key, a.Val)
		case "data", "content", "value", "poster", "srcset", "srcdoc", "style":
			if indexYT(a.Val) >= 0 {
				e.hits = true
			}
			e.selfThumb = e.selfThumb || mayHoldSelfThumb(a.Key, a.Val)
		default:
			switch {
			case strings.HasPrefix(a.Key, "data-"):
				if indexYT(a.Val) >= 0 {
					e.hits = true
					if v := strings.TrimSpace(a.Val); len(v) <= 32 && hasPrefixFold(v, "youtu") {
						e.ytish = true // data-provider="youtube", data-provider-name="YouTube"
					}
				}
				if indexYT(a.Key) >= 0 {
					e.ytish = true // data-youtube-id
				}
				if n := len(a.Val); videoIDLen <= n && n <= videoIDLen+2 {
					e.bareID = true
				}
				e.selfThumb = e.selfThumb || mayHoldSelfThumb(a.Key, a.Val)
			case strings.HasPrefix(a.Key, "on"):
				if handlerHits(a.Key, a.Val) { // a YouTube URL or an IFrame Player API call
					e.hits = true
				}
			}
		}
	}
	return e
}

// classInfo returns what the class attribute value v says, from the cache:
// a small direct-mapped table in front of a map, since neighbouring
// elements often repeat a class list and comparing it costs less than
// hashing it.
func (w *walker) classInfo(v string) classInfo {
	if v == "" {
		return classInfo{}
	}
	slot := &w.recentClasses[(len(v)*31+int(v[0])*7+int(v[len(v)-1]))&(len(w.recentClasses)-1)]
	if slot.key == v {
		return slot.info
	}
	ci, ok := w.classes[v]
	if !ok {
		ci = parseClass(v)
		if len(w.classes) < maxClassCache {
			w.classes[v] = ci
		}
	}
	slot.key, slot.info = v, ci
	return ci
}

// classSlot is one entry of walker.recentClasses.
type classSlot struct {
	key  string
	info classInfo
}

// maxClassCache bounds the class cache on pathological pages.
const maxClassCache = 1 << 14

// nameInfo is what one class name or id says.
type nameInfo struct {
	chrome    chromeStrength
	container bool // names a body container: article-body, entry-content, storyBody…
	positive  bool // has a word readability counts in favour of content
}

// Word codes for names (see classifyName).
const (
	wNone = iota
	wState
	wJS
	wPosition
	wStrong
	wWeak
	wWidget
	wArea
	wArticle // article: also positive, and a container part
	wEntry
	wPost
	wStory
	wContent
	wBody
	wText
	wMain
	wBlog
)

// wordCode classifies one lower-cased word of a name.
func wordCode(w []byte) int {
	switch string(w) {
	case "has", "no", "with", "without", "is":
		return wState
	case "js", "hide", "show", "toggle",
		// WordPress' post classes name the post's taxonomy, not a block:
		// tag-ads, category-sponsored, type-post, format-video.
		"tag", "tags", "category", "categories", "cat", "type", "format", "status", "author":
		return wJS
	case "on", "off", "active", "enabled", "disabled", "open", "closed", "visible", "hidden",
		"none", "left", "right", "top", "bottom":
		return wPosition
	case "widget":
		return wWidget
	case "area":
		return wArea
	case "article":
		return wArticle
	case "entry":
		return wEntry
	case "post":
		return wPost
	case "story":
		return wStory
	case "content":
		return wContent
	case "body":
		return wBody
	case "text":
		return wText
	case "main":
		return wMain
	case "blog":
		return wBlog
	// Strong chrome: a block that is not the article even inside it.
	// "widget" is not one: Blogger calls its main post column a widget,
	// and Elementor every block of a page.
	case "aside", "sidebar", "sidebars", "related", "relatedposts", "relatedarticles",
		"chrome", "controls", // a player's or widget's own interface
		"recommended", "recommendations", "comment", "comments", "discussion",
		"teaser", "teasers", "promo", "promos", "promotion",
		"ad", "ads", "advert", "adverts", "advertisement", "advertising", "adslot", "sponsored":
		return wStrong
	// Weak chrome: page furniture an article may also have as its own part.
	case "nav", "navbar", "navigation", "menu", "menubar", "breadcrumb", "breadcrumbs",
		"header", "masthead", "footer", "colophon", "topbar",
		"share", "sharing", "sharebar", "social", "socials",
		"modal", "popup", "overlay", "newsletter", "cookie", "cookies", "consent":
		return wWeak
	}
	if len(w) > len("comment") {
		switch {
		case bytes.HasPrefix(w, []byte("sidebar")):
			return wStrong
		case bytes.HasPrefix(w, []byte("comment")) && !bytes.HasPrefix(w, []byte("commentar")):
			return wStrong // commentlist, commentlinks; commentary is an article genre
		}
	}
	return wNone
}

// containerPair reports whether two consecutive words name a body
// container: article-body, entry-content, post_text, story__body…
func containerPair(prev, cur int) bool {
	switch prev {
	case wArticle, wStory:
		return cur == wBody || cur == wContent || cur == wText
	case wEntry:
		return cur == wContent || cur == wBody
	case wPost:
		return cur == wContent || cur == wBody || cur == wText
	case wContent:
		return cur == wBody
	case wBody:
		return cur == wText
	}
	return false
}

// containerFragments are the container names written as one word
// (articleBody, postcontent, c-storybody), lower case.
var containerFragments = [...]string{
	"articlebody", "articlecontent", "articletext",
	"entrycontent", "entrybody",
	"postcontent", "postbody", "posttext",
	"storybody", "storycontent", "storytext",
	"contentbody", "bodytext",
}

// mayHoldContainer is the quick test in front of containerFragments: each
// ends in "body", "content" or "text".
func mayHoldContainer(w []byte) bool {
	return bytes.Contains(w, []byte("body")) || bytes.Contains(w, []byte("content")) || bytes.Contains(w, []byte("text"))
}

// classifyName reads one class name or id in one pass over its words,
// split at '-' and '_' and lower-cased.
//
// Chrome: "sidebar-left", "related_posts" and "ad-slot" match while
// "shadow" and "add-to-cart" do not. Class names also describe states and
// layouts rather than blocks, and those must not count: "has-sidebar",
// "o-section--has-ads", "no-comments", "is-provider-youtube" (the words
// after has/no/with/is are a state) and "sidebar-on", "sidebar-right" (a
// chrome word followed by a state or position word, which layout wrappers
// around the article carry). An id names one element, so an id
// "sidebar-right" still is the sidebar.
//
// Container: two consecutive words (article-body, entry__content), or
// one word holding such a pair (articleBody, postcontent).
//
// Positive: content, article, post, entry, story, text, body, main, blog,
// the words readability favours when it scores blocks.
func classifyName(name string, isID bool) nameInfo {
	var ni nameInfo
	var buf [32]byte
	prev := wNone
	i := 0
	for start := 0; start < len(name); {
		end := start
		for end < len(name) && name[end] != '-' && name[end] != '_' {
			end++
		}
		if end == start {
			start++
			continue
		}
		// Lower-case the word into buf; a word longer than any listed is
		// still a word (it counts for the position tests), just no match.
		k := 0
		if end-start <= len(buf) {
			for p := start; p < end; p++ {
				c := name[p]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				buf[k] = c
				k++
			}
		}
		w := buf[:k]
		start = end + 1
		i++
		code := wordCode(w)
		switch code {
		case wState:
			return ni
		case wJS:
			if i == 1 {
				return nameInfo{} // js-share, tag-ads: a hook or a taxonomy, not a block
			}
		case wPosition:
			if !isID && i == 2 && ni.chrome != noChrome {
				ni.chrome = noChrome // "sidebar-on": a layout state, not the block
				return ni
			}
		case wStrong:
			ni.chrome = strongChrome
		case wWeak:
			ni.chrome = max(ni.chrome, weakChrome)
		case wArea:
			if prev == wWidget {
				ni.chrome = strongChrome
				return ni
			}
		case wArticle, wEntry, wPost, wStory, wContent, wBody, wText, wMain, wBlog:
			ni.positive = true
		}
		if containerPair(prev, code) {
			ni.container = true
		} else if k >= len("postbody") && !ni.container && mayHoldContainer(w) {
			for _, frag := range containerFragments {
				if bytes.Contains(w, []byte(frag)) {
					ni.container = true
					break
				}
			}
		}
		prev = code
	}
	return ni
}
