package extract

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestChromeWord(t *testing.T) {
	for _, tc := range []struct {
		name string
		id   bool
		want chromeStrength
	}{
		{"sidebar", false, strongChrome},
		{"sidebar-left", true, strongChrome},
		{"sidebar1", false, strongChrome},
		{"related_posts", false, strongChrome},
		{"ad-slot", false, strongChrome},
		{"comments-area", false, strongChrome},
		{"style_commentlinks", false, strongChrome},
		{"widget-area", false, strongChrome},
		{"site-header", false, weakChrome},
		{"main-nav", false, weakChrome},
		{"social-share", false, weakChrome},
		// Not chrome.
		{"shadow", false, noChrome},
		{"add-to-cart", false, noChrome},
		{"commentary", false, noChrome},
		{"widget", false, noChrome},
		{"elementor-widget-container", false, noChrome},
		{"article-body", false, noChrome},
		// States and layouts, not blocks.
		{"has-sidebar", false, noChrome},
		{"o-section--has-ads", false, noChrome},
		{"no-comments", false, noChrome},
		{"is-provider-youtube", false, noChrome},
		{"js-share", false, noChrome},
		{"sidebar-on", false, noChrome},
		{"sidebar-right", false, noChrome},
		// Taxonomies, not blocks.
		{"tag-ads", false, noChrome},
		{"category-sponsored", false, noChrome},
		{"type-post", false, noChrome},
		// A player's own interface.
		{"ytp-chrome-controls", false, strongChrome},
	} {
		if got := classifyName(tc.name, tc.id).chrome; got != tc.want {
			t.Errorf("classifyName(%q, id=%v).chrome = %d, want %d", tc.name, tc.id, got, tc.want)
		}
	}
}

func TestContainerWord(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"article-body", true},
		{"article__body", true},
		{"articleBody", true},
		{"c-article-body", true},
		{"entry-content", true},
		{"post-content", true},
		{"story-body", true},
		{"content-body", true},
		{"content", false},
		{"body", false},
		{"post", false},
		{strings.Repeat("x", 100), false},
	} {
		if got := classifyName(tc.name, false).container; got != tc.want {
			t.Errorf("classifyName(%q).container = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestInBody checks the body decision on small pages: each page holds
// links to YouTube videos whose ID says where they are: B for body, C for
// chrome.
func TestInBody(t *testing.T) {
	for _, tc := range []struct {
		name, page string
	}{
		{"no container: chrome by tag", `<header><a href="https://youtu.be/CCCCCCCCCC1">h</a></header>
			<div><a href="https://youtu.be/BBBBBBBBBB1">b</a></div>
			<footer><a href="https://youtu.be/CCCCCCCCCC2">f</a></footer>`},
		{"article beats outside", `<div><a href="https://youtu.be/CCCCCCCCCC1">x</a></div>
			<article><p><a href="https://youtu.be/BBBBBBBBBB1">b</a></p></article>`},
		{"article header and footer are body", `<article><header><a href="https://youtu.be/BBBBBBBBBB1">h</a></header>
			<footer><a href="https://youtu.be/BBBBBBBBBB2">f</a></footer></article>`},
		{"aside and comments inside article are chrome", `<article><p><a href="https://youtu.be/BBBBBBBBBB1">b</a></p>
			<aside><a href="https://youtu.be/CCCCCCCCCC1">a</a></aside>
			<section id="comments"><a href="https://youtu.be/CCCCCCCCCC2">c</a></section></article>`},
		{"cards in a related block stay chrome", `<main><p><a href="https://youtu.be/BBBBBBBBBB1">b</a></p></main>
			<div class="related-posts"><article><a href="https://youtu.be/CCCCCCCCCC1">r</a></article></div>`},
		{"containers inside chrome do not count", `<aside><article><a href="https://youtu.be/CCCCCCCCCC1">a</a></article></aside>
			<div><a href="https://youtu.be/BBBBBBBBBB1">b</a></div>`},
		{"roles and microdata", `<div role="navigation"><a href="https://youtu.be/CCCCCCCCCC1">n</a></div>
			<div itemprop="articleBody"><a href="https://youtu.be/BBBBBBBBBB1">b</a></div>
			<div role="complementary"><a href="https://youtu.be/CCCCCCCCCC2">c</a></div>`},
		{"layout classes on body and wrappers", `<body class="has-sidebar"><div class="layout sidebar-right o-section--has-ads">
			<div class="entry-content"><a href="https://youtu.be/BBBBBBBBBB1">b</a></div></div></body>`},
		{"hentry and schema.org Article", `<div class="post hentry"><a href="https://youtu.be/BBBBBBBBBB1">b</a></div>
			<div itemscope itemtype="https://schema.org/NewsArticle"><a href="https://youtu.be/BBBBBBBBBB2">b</a></div>
			<div><a href="https://youtu.be/CCCCCCCCCC1">x</a></div>`},
		{"a front page of teaser cards has no body", `<title>Example Herald</title>
			<main><article><iframe src="https://www.youtube.com/embed/CCCCCCCCCC1"></iframe><h2>Bridge</h2><p>` + strings.Repeat("The council voted, ", 20) + `</p></article>
			<article><a href="https://youtu.be/CCCCCCCCCC2">b</a><h2>Barrier</h2></article>
			<div><a href="https://youtu.be/CCCCCCCCCC3">x</a></div></main>`},
		{"cards under the story's headline are not a front page", `<title>Council approves the bridge</title>
			<main><h1>Council approves the bridge</h1><iframe src="https://www.youtube.com/embed/BBBBBBBBBB1"></iframe>
			<article><a href="https://youtu.be/CCCCCCCCCC1">a</a></article><article><a href="https://youtu.be/CCCCCCCCCC2">b</a></article></main>`},
		{"an article by og:type is not a front page", `<title>Example Herald</title><meta property="og:type" content="article">
			<main><article><a href="https://youtu.be/BBBBBBBBBB1">a</a></article><article><a href="https://youtu.be/BBBBBBBBBB2">b</a></article></main>`},
		{"comments as articles inside the article", `<title>Example Herald</title>
			<article><a href="https://youtu.be/BBBBBBBBBB1">a</a><article><a href="https://youtu.be/BBBBBBBBBB2">c</a></article><article>d</article></article>`},
		{"a video page: its player is body", `<title>Watch: the barrier | Herald</title><meta property="og:type" content="video.other">
			<div class="page"><div class="player"><iframe src="https://www.youtube.com/embed/BBBBBBBBBB1"></iframe></div>
			<div class="meta"><h1>Watch: the barrier</h1><p>` + strings.Repeat("Engineers closed the barrier, ", 12) + `</p></div>
			<div class="more"><a href="https://youtu.be/CCCCCCCCCC1">next</a></div></div>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, err := Extract(mustParseURL(t, fixtureBase), strings.NewReader(tc.page))
			if err != nil {
				t.Fatal(err)
			}
			if len(x.Refs) == 0 {
				t.Fatal("no references")
			}
			for _, r := range x.Refs {
				if want := r.ID[0] == 'B'; r.InBody != want {
					t.Errorf("%s: InBody = %v, want %v", r.ID, r.InBody, want)
				}
			}
		})
	}
}

// TestParseFallback checks that a page the HTML5 parser refuses is still
// read, by the loose parser.
func TestParseFallback(t *testing.T) {
	page := strings.Repeat("<div>", 600) + `<a href="https://youtu.be/H7xQm2Lp9sA">x</a>`
	if _, err := html.Parse(strings.NewReader(page)); err == nil {
		t.Fatal("html.Parse accepted 600 nested divs; the fallback is untested (has the parser's limit changed?)")
	}
	x, err := Extract(mustParseURL(t, fixtureBase), strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Refs) != 1 || x.Refs[0].ID != "H7xQm2Lp9sA" || x.Refs[0].Context != "x" {
		t.Errorf("Refs = %+v, want the one link", x.Refs)
	}
}
