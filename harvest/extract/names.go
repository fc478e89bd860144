package extract

import (
	"bytes"
	"strings"
)

// What class names and ids say about the block they name: site chrome, an
// article container, words readability favours. A page repeats the same
// class lists thousands of times, and the same names in different lists,
// so both are classified once per page (classInfo, nameClass).

// classInfo is what a class attribute says; the walker caches it by value,
// since pages repeat the same class lists thousands of times.
type classInfo struct {
	chrome    chromeStrength
	container bool
	article   bool
	positive  bool
}

// parseClass reads a class attribute: its names, separated by white space
// (as strings.Fields separates them), each classified once per page.
func (w *walker) parseClass(v string) classInfo {
	var ci classInfo
	add := func(f string) {
		nc := w.nameClass(f)
		ci.chrome = max(ci.chrome, nc.chrome)
		ci.positive = ci.positive || nc.positive
		ci.container = ci.container || nc.container
		ci.article = ci.article || nc.entry
	}
	if !isASCII(v) {
		for f := range strings.FieldsSeq(v) { // Unicode white space separates too
			add(f)
		}
	} else {
		for i := 0; i < len(v); {
			for i < len(v) && isFieldSpace(v[i]) {
				i++
			}
			j := i
			for j < len(v) && !isFieldSpace(v[j]) {
				j++
			}
			if j > i {
				add(v[i:j])
			}
			i = j
		}
	}
	return ci
}

// isFieldSpace reports whether the ASCII byte c is white space to
// strings.Fields.
func isFieldSpace(c byte) bool {
	return c == ' ' || '\t' <= c && c <= '\r'
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// nameClass is what one class name says (see parseClass).
type nameClass struct {
	nameInfo
	entry bool // hentry, h-entry: a blog entry, container and article
}

// nameClass returns what class name f says, from the page's cache.
func (w *walker) nameClass(f string) nameClass {
	if nc, ok := w.names[f]; ok {
		return nc
	}
	nc := nameClass{nameInfo: classifyName(f, false)}
	if f == "hentry" || f == "h-entry" { // microformats for a blog entry
		nc.container, nc.entry = true, true
	}
	if len(w.names) < maxClassCache {
		w.names[f] = nc
	}
	return nc
}

// classInfo returns what the class attribute value v says, from the cache:
// a small direct-mapped table in front of a map, since neighbouring
// elements often repeat a class list and comparing it costs less than
// hashing it.
func (w *walker) classInfo(v string) classInfo {
	if v == "" {
		return classInfo{}
	}
	h := len(v)*31 + int(v[0])*7 + int(v[len(v)-1])*3 + int(v[len(v)/2])
	slot := &w.recentClasses[h&(len(w.recentClasses)-1)]
	if slot.key == v {
		return slot.info
	}
	ci, ok := w.classes[v]
	if !ok {
		ci = w.parseClass(v)
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
