package extract

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// region is where a node sits in the page layout, as inherited from its
// ancestors.
//
// This first cut decides from markup alone: semantic elements, ARIA roles,
// microdata and the class and id words that content management systems use
// for the same purpose. It never looks at which site a page comes from. The
// full extraction issue will refine it with text density, for pages whose
// markup says nothing (or lies, like a page that stacks a dozen <article>s).
type region struct {
	// chrome: inside site furniture (navigation, header, footer, sidebar,
	// related links, comments, ads). Once set it sticks, so an <article>
	// card inside a related-posts block stays chrome.
	chrome bool
	// container: inside an element that holds the article body (article,
	// main, [itemprop=articleBody], .entry-content…).
	container bool
}

// inBody decides the final answer for a node in region r once the whole
// page has been seen: inside a body container and not in chrome, or, on a
// page with no body container at all, anywhere outside chrome.
func (r region) inBody(pageHasContainer bool) bool {
	return !r.chrome && (r.container || !pageHasContainer)
}

// chromeStrength grades how strongly an element marks site chrome.
type chromeStrength int

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

// enter returns the region of element n, whose parent is in region p, and
// whether n itself is a body container.
func (p region) enter(n *html.Node) (r region, container bool) {
	switch n.DataAtom {
	case atom.Html, atom.Body, atom.Head:
		// Layout classes on <body> ("has-sidebar", "single-post") describe
		// the whole page, not a block of it.
		return p, false
	}
	container = isContainer(n)
	r = region{chrome: p.chrome, container: p.container || container}
	switch chromeOf(n) {
	case strongChrome:
		r.chrome = true
	case weakChrome:
		if !p.container && !container {
			r.chrome = true
		}
	}
	return r, container
}

// isContainer reports whether n holds an article body.
func isContainer(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Article, atom.Main:
		return true
	}
	for _, a := range n.Attr {
		if a.Namespace != "" {
			continue
		}
		switch a.Key {
		case "role":
			if strings.EqualFold(strings.TrimSpace(a.Val), "main") {
				return true
			}
		case "itemprop":
			for f := range strings.FieldsSeq(a.Val) {
				if strings.EqualFold(f, "articleBody") {
					return true
				}
			}
		case "itemtype":
			// schema.org Article, NewsArticle, BlogPosting… as microdata.
			for f := range strings.FieldsSeq(a.Val) {
				f = strings.ToLower(f[strings.LastIndexByte(f, '/')+1:])
				if strings.HasSuffix(f, "article") || strings.HasSuffix(f, "posting") {
					return true
				}
			}
		case "class", "id":
			for f := range strings.FieldsSeq(a.Val) {
				// hentry and h-entry are the microformats for a blog entry.
				if containerWord(f) || a.Key == "class" && (f == "hentry" || f == "h-entry") {
					return true
				}
			}
		}
	}
	return false
}

// containerWord reports whether a class name or id names a body container.
// Separators are ignored, so article-body, article__body, articleBody and
// article_body all match.
func containerWord(w string) bool {
	var buf [64]byte
	if len(w) > len(buf) {
		return false
	}
	k := 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c == '-' || c == '_':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		buf[k] = c
		k++
	}
	s := buf[:k]
	for _, frag := range [...]string{
		"articlebody", "articlecontent", "articletext",
		"entrycontent", "entrybody",
		"postcontent", "postbody", "posttext",
		"storybody", "storycontent", "storytext",
		"contentbody", "bodytext",
	} {
		if bytes.Contains(s, []byte(frag)) {
			return true
		}
	}
	return false
}

// chromeOf grades element n as site chrome from its tag, role, class and id.
func chromeOf(n *html.Node) chromeStrength {
	best := noChrome
	switch n.DataAtom {
	case atom.Aside:
		return strongChrome
	case atom.Nav, atom.Header, atom.Footer, atom.Dialog:
		best = weakChrome
	}
	for _, a := range n.Attr {
		if a.Namespace != "" {
			continue
		}
		switch a.Key {
		case "role":
			switch strings.ToLower(strings.TrimSpace(a.Val)) {
			case "complementary":
				return strongChrome
			case "navigation", "banner", "contentinfo", "dialog", "menu", "menubar":
				best = max(best, weakChrome)
			}
		case "class", "id":
			for f := range strings.FieldsSeq(a.Val) {
				best = max(best, chromeWord(f, a.Key == "id"))
				if best == strongChrome {
					return best
				}
			}
		}
	}
	return best
}

// chromeWord grades one class name or id. It splits the name into words at
// '-' and '_' and looks each word up, so "sidebar-left", "related_posts"
// and "ad-slot" match while "shadow" and "add-to-cart" do not.
//
// Class names also describe states and layouts rather than blocks, and
// those must not count: "has-sidebar", "o-section--has-ads", "no-comments",
// "is-provider-youtube" (the words after has/no/with/is are a state) and
// "sidebar-on", "sidebar-right" (a chrome word followed by a state or
// position word, which layout wrappers around the article carry). An id
// names one element, so an id "sidebar-right" still is the sidebar.
func chromeWord(name string, isID bool) chromeStrength {
	best := noChrome
	var prev string
	i := 0
	for w := range strings.FieldsFuncSeq(name, func(r rune) bool { return r == '-' || r == '_' }) {
		w = strings.ToLower(w)
		i++
		switch w {
		case "has", "no", "with", "without", "is":
			return best
		case "js", "hide", "show", "toggle":
			if i == 1 {
				return noChrome
			}
		case "on", "off", "active", "enabled", "disabled", "open", "closed", "visible", "hidden",
			"none", "left", "right", "top", "bottom":
			if !isID && i == 2 && best != noChrome {
				return noChrome // "sidebar-on": a layout state, not the block
			}
		}
		switch {
		case prev == "widget" && w == "area":
			return strongChrome
		case strongWord(w):
			best = strongChrome
		case weakWord(w):
			best = max(best, weakChrome)
		}
		prev = w
	}
	return best
}

// strongWord reports whether w names a block that is not the article even
// inside it. "widget" is not one: Blogger calls its main post column a
// widget, and Elementor every block of a page.
func strongWord(w string) bool {
	switch w {
	case "aside", "sidebar", "sidebars", "related", "relatedposts", "relatedarticles",
		"recommended", "recommendations", "comment", "comments", "discussion",
		"teaser", "teasers", "promo", "promos", "promotion",
		"ad", "ads", "advert", "adverts", "advertisement", "advertising", "adslot", "sponsored":
		return true
	}
	switch {
	case strings.HasPrefix(w, "sidebar"):
		return true
	case strings.HasPrefix(w, "comment"): // commentlist, commentlinks
		return !strings.HasPrefix(w, "commentar") // commentary is an article genre
	}
	return false
}

// weakWord reports whether w names page furniture that an article may also
// have as its own part (see weakChrome).
func weakWord(w string) bool {
	switch w {
	case "nav", "navbar", "navigation", "menu", "menubar", "breadcrumb", "breadcrumbs",
		"header", "masthead", "footer", "colophon", "topbar",
		"share", "sharing", "sharebar", "social", "socials",
		"modal", "popup", "overlay", "newsletter", "cookie", "cookies", "consent":
		return true
	}
	return false
}
