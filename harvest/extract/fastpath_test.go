package extract

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// stripMarks returns page with every mark of the pre-scan (prescan.go)
// replaced by bytes of the same length that are none: the same page, as a
// page that makes no reference would be written.
func stripMarks(page []byte) []byte {
	b := bytes.Clone(page)
	for _, r := range []struct {
		re   *regexp.Regexp
		with string
	}{
		{regexp.MustCompile(`(?i)youtu`), "vidzu"},
		{regexp.MustCompile(`(?i)ytimg`), "vdimg"},
		{regexp.MustCompile(`(?i)-yt`), "-xt"},
		{regexp.MustCompile(`YT\.Player`), "XT.Player"},
		{regexp.MustCompile(`VideoById`), "VideoByXd"},
		{regexp.MustCompile(`Playlist`), "Plazlist"},
		{regexp.MustCompile(`default\.`), "defaulx."},
		{regexp.MustCompile(`&#`), "&_"},
		{regexp.MustCompile(`&period;`), "&perioX;"},
		{regexp.MustCompile("\x00"), " "},
	} {
		b = r.re.ReplaceAll(b, []byte(r.with))
	}
	return b
}

// testPages returns the fixtures and, when present, the corpus pages, by
// name.
func testPages(tb testing.TB) map[string][]byte {
	tb.Helper()
	pages := map[string][]byte{}
	for _, dir := range []string{goldenDir, corpusDir} {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.html"))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				tb.Fatal(err)
			}
			pages[filepath.Base(filepath.Dir(p))+"/"+filepath.Base(p)] = b
		}
	}
	return pages
}

// checkFastPath checks that, on a page the pre-scan lets through, the fast
// path (where it answers) gives what the full path gives. It reports
// whether the fast path answered.
func checkFastPath(tb testing.TB, name string, base *url.URL, page []byte) bool {
	tb.Helper()
	m := scanMarks(page)
	if m.any() || onYouTube(base) {
		return false
	}
	fast, ok := fastExtract(base, page)
	if !ok {
		return false
	}
	full := fullExtract(base, page, m)
	if len(full.Refs) > 0 {
		tb.Errorf("%s: the pre-scan finds no mark, but the full path finds %d references: %+v", name, len(full.Refs), full.Refs)
	}
	got, want := marshalExtraction(tb, fast), marshalExtraction(tb, full)
	if !bytes.Equal(got, want) {
		tb.Errorf("%s: the fast path differs from the full path (-full +fast):\n%s", name, lineDiff(string(want), string(got)))
	}
	return true
}

// TestFastPathAgrees holds the fast path to the full path on every fixture
// and corpus page with its references stripped (stripMarks), and on the
// pages of the generated site.
func TestFastPathAgrees(t *testing.T) {
	base := mustParseURL(t, fixtureBase)
	var fast, all int
	for name, page := range testPages(t) {
		all++
		stripped := stripMarks(page)
		if scanMarks(stripped).any() {
			t.Errorf("%s: marks left after stripping", name)
			continue
		}
		if checkFastPath(t, name, base, stripped) {
			fast++
		} else {
			t.Logf("%s: full path", name)
		}
	}
	t.Logf("%d of %d stripped pages take the fast path", fast, all)
}

// TestTokenizerAgrees holds the tokenizer of the fast path to
// x/net/html's on every fixture and corpus page, and on a list of hard
// cases.
func TestTokenizerAgrees(t *testing.T) {
	for name, page := range testPages(t) {
		checkTokens(t, name, page, false)
		checkTokens(t, name, page, true)
	}
	for i, s := range tokenizerCases() {
		checkTokens(t, fmt.Sprint("case ", i), []byte(s), false)
		checkTokens(t, fmt.Sprint("case ", i), []byte(s), true)
	}
}

func tokenizerCases() []string {
	return []string{
		``, `<`, `</`, `<a`, `<a href`, `<a href=`, `<a href="x`, `</a`, `<!`, `<!-`, `<!--`, `<!-->`, `<!--->`,
		`<!---->`, `<!-- a -- b --!> c`, `<!--a--!-b-->d`, `<!DOCTYPE html>`, `<!doctype`, `<![CDATA[x]]>y`,
		`<![CDATA[x`, `<?xml x?>`, `</>`, `</ a>`, `</3>`, `a<b`, `a < b`, `<a/b>`, `<a / href=x>`, `<a =x>`,
		`<a href=x/>`, `<a href="x"/>`, `<br/>`, `<a b=1 b=2 B=3>`, `<a b=1 c/>`, `<A HREF="X">`,
		`<a href="&amp;&lt;&#121;&#x79;&notin;&notit;&amp=&ampx">`, "<a\rhref=\"a\r\nb\">", "<p>a\r\nb\rc</p>",
		`<title>a &amp; <b></title>`, `<textarea></textarea>x`, `<script></script>x`, `<script>a</script >b`,
		`<script>a</scriptx>b</script>c`, `<script><!--<script></script>--></script>d`,
		`<script><!--<script>x</script>y--></script>z`, `<script><!-- a --></script>b`, `<script><!--`,
		`<script><!--<script`, `<script><!--<scrip</script>x`, `<script><!--</script>x`, `<script><!-x</script>`,
		`<style>a</style  >b</style>`, `<style>a</STYLE>b`, `<xmp><a></xmp>`, `<iframe><a href=x></iframe>`,
		`<noscript><a href="/x">y</a></noscript>`, `<plaintext><a>`, `<title>`, `<title>a`, `<script>`,
		`<a href='x' title="y'z" data-x=a"b>`, "<a\thref=x\fb=c\n>", `<svg><![CDATA[<a>]]></svg>`,
		`<div =a =b>`, `<div a= >`, `<div a=>`, `<div a='>`, `<x-y z>`, `<a b="c">d</a e="f">`,
		`<a x="&#5x &#5; &#x5x &#; &# &#x; &semi; &fjlig; &amp;= &amp= &ampa= &ampa &#128; &#0; &#xD800; &#99999999999; &NotEqualTilde; &; &">`,
		`<a x="&#5" y="&#x5" z="&#" w="&#x" v="&" u="&amp" t="&lt=" s="&notin=" r="&sup2a">`,
		"<script>a\x00b</script>",
		`<script><!--<script>a</script>b-->c</script>d`, `<script><!--<script>--></script>e</script>f`,
		`<script><!--<sCrIpT/></script>x</script>y`, `<script><!-- -- > </script>z`, `<script><!--<s</script>a`,
		`<script><!--<</script>b`, "<script><!--<script\n</script>-->x</script>y", `<script><!--<script></script`,
		`<script><!--<script>--!></script>c`, `<script><!---></script>d`, `<script><!-- <!-- --></script>e`, "<title>a\x00b</title>", "<p>a\x00b</p>", "<svg><![CDATA[a\x00b]]>",
	}
}

// checkTokens compares the tokens of page, as the fast path's tokenizer
// and x/net/html's read them (with CDATA allowed, or not).
func checkTokens(t *testing.T, name string, page []byte, cdata bool) {
	t.Helper()
	want := html.NewTokenizer(bytes.NewReader(page))
	want.AllowCDATA(cdata)
	got := tokenizer{b: page, allowCDATA: cdata}
	// The fast path never reads a page with a NUL byte (the pre-scan sends
	// it the full way): names and attributes with one are not compared.
	nul := bytes.IndexByte(page, 0) >= 0
	for i := 0; ; i++ {
		wt := want.Next()
		gt := got.next()
		wraw := string(want.Raw())
		if wt == html.ErrorToken {
			if want.Err() != io.EOF {
				t.Fatalf("%s: x/net/html: %v", name, want.Err())
			}
			if gt != tokEOF {
				t.Errorf("%s token %d: got %v %q, want the end", name, i, gt, page[got.start:got.end])
			}
			return
		}
		if graw := string(page[got.start:got.pos]); graw != wraw {
			t.Errorf("%s token %d: got %v %q, want %v %q", name, i, gt, short(graw), wt, short(wraw))
			return
		}
		switch wt {
		case html.TextToken:
			wtext := string(want.Text())
			if gt != tokText || got.textData() != wtext {
				t.Errorf("%s token %d: got %v %q, want text %q", name, i, gt, short(got.textData()), short(wtext))
				return
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			if nul {
				if gt != tokStart {
					t.Errorf("%s token %d: got %v, want a start tag", name, i, gt)
					return
				}
				continue
			}
			tok := want.Token()
			var buf [16]byte
			if gt != tokStart || string(got.name(&buf)) != tok.Data && len(tok.Data) <= len(buf) {
				t.Errorf("%s token %d: got %v %q, want start tag %q", name, i, gt, got.name(&buf), tok.Data)
				return
			}
			if sc := wt == html.SelfClosingTagToken; got.selfClosing() != sc {
				t.Errorf("%s token %d %q: self-closing %v, want %v", name, i, wraw, !sc, sc)
			}
			if ga := got.attributes(nil); fmt.Sprint(ga) != fmt.Sprint(tok.Attr) && !(len(ga) == 0 && len(tok.Attr) == 0) {
				t.Errorf("%s token %d %q: attributes %q, want %q", name, i, wraw, ga, tok.Attr)
			}
		case html.EndTagToken:
			if gt != tokEnd {
				t.Errorf("%s token %d: got %v, want an end tag", name, i, gt)
				return
			}
		default: // comment, doctype
			if gt != tokComment {
				t.Errorf("%s token %d: got %v, want a comment", name, i, gt)
				return
			}
		}
	}
}

// FuzzFastPath checks the fast path's two promises on any input: its
// tokenizer reads the tokens x/net/html reads, and whenever the pre-scan
// finds no mark and the fast path answers, its result is the full path's
// (which then finds no reference).
//
//	go test -run '^$' -fuzz '^FuzzFastPath$' -fuzztime 3m ./harvest/extract/
func FuzzFastPath(f *testing.F) {
	// Seeds from the fixtures only: a failing input is written to
	// testdata/fuzz, and the corpus stays outside the repository.
	paths, _ := filepath.Glob(filepath.Join(goldenDir, "*.html"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(stripMarks(b))
		}
	}
	for _, s := range tokenizerCases() {
		f.Add([]byte(s))
	}
	for _, s := range fastPathCases() {
		f.Add([]byte(s))
	}
	base := mustParseURL(f, fixtureBase)
	f.Fuzz(func(t *testing.T, page []byte) {
		checkTokens(t, "input", page, false)
		checkTokens(t, "input", page, true)
		checkFastPath(t, "input", base, page)
	})
}

// fastPathCases are pages where the tree the parser builds differs from
// the order of the tokens, or holds what the tokens do not show.
func fastPathCases() []string {
	return []string{
		`<table><tr><td><a href="/1">1</a></td></tr><a href="/2">2</a></table>`,
		`<table>you<tr><td>x</td></tr>tu.be/H7xQm2Lp9sA</table>`,
		`<p>you</x>tu.be/H7xQm2Lp9sA</p>`, `<p>yo<b></b>utu.be/H7xQm2Lp9sA</p>`,
		`<select><a href="/x">x</a><title>T</title></select><title>U</title>`,
		`<template><a href="/t">t</a><meta property="og:title" content="T"></template>`,
		`<html lang=""><html lang="en"><body data-video-id="H7xQm2Lp9sA">`,
		`<html><body><html lang="de"><p>x`, `<body itemprop="datePublished" content="2024-05-01">`,
		`<svg><title>S</title><a href="/s">s</a><link rel=canonical href="/c"><style><a href="/n"></style></svg><title>T</title>`,
		`<svg><desc><a href="/d">d</a></desc></svg>`, `<svg><p><a href="/p">p</a></svg>`, `<svg><path></path></path></svg><a href="/after">`,
		`<div><svg><g></div><a href="/x">x</a>`, `<math><mi><a href="/m">m</a></mi></math>`,
		`<noscript><a href="/n">n</a><title>N</title><base href="https://b.example/"></noscript><a href="r">r</a>`,
		`<head><noscript><a href="/h">h</a></noscript></head>`, `<noscript><noscript><a href="/nn">x</a></noscript></noscript>`,
		`<base href="https://a.example/x/"><a href="y">y</a><base href="https://b.example/">`,
		`<a href="y">y</a><body><base href="https://b.example/z/">`, `<svg><base href="https://s.example/"></svg><a href="q">q</a>`,
		`<title>A&amp;B</title><title>C</title>`, `<svg><title>S</title></svg><title>T</title>`,
		`<meta property="og:title" content="O"><title></title>`, `<link rel="Canonical" href="/c1"><link rel=canonical href="/c2">`,
		`<time datetime="2024-05-01"></time><meta name="date" content="2023-01-01">`,
		`<article><time datetime="2024-05-01T10:00:00Z">x</time></article><meta name="date" content="2023-01-01">`,
		`<script type="application/ld+json">{"datePublished":"2024-01-02"}</script><time datetime="2020-01-01">`,
		`<span itemprop="datePublished" content="2024-03-04"></span><time datetime="2021-01-01">`,
		strings.Repeat("<div>", 600) + `<a href="/deep">deep</a>`,
		strings.Repeat("<div><object></div>", 300) + `<a href="/o">o</a>`,
		strings.Repeat("<b id=x>", 100) + strings.Repeat("<p>", 100) + `<a href="/f">`,
		`<a href="/a"><div><a href="/b">b</a></div></a>`, `<p><span><div></span></p><a href="/s">`,
		`<form><div></form><a href="/f">`, `<table><caption><a href="/c">c</a></caption><td>x</td></table>`,
		`<table><td><select><option>a</select></td></table>`, `<td><a href="/notable">x</a></td>`,
		"<a href=\"/a\r\nb\">x</a><a HREF=/C>c</a><a href='/d&amp;e'>d</a><a href=/f&g>f</a>",
		`<article><p><b>x<div><time datetime="2024-01-01">t</time></div></article>`,
		`<div class="sidebar"><time datetime="2020-01-01"></time></div><article><time datetime="2024-01-01"></time></article>`,
		`<article><ul><li>a<li><time datetime="2024-01-01"></time></ul></article>`,
		`<form class="post-content"><div></form><time datetime="2024-01-01"></time>`,
		`<table><tr><td class="entry-content"><time datetime="2024-01-01"></time></td></tr></table>`,
		`<svg class="entry-content"><time datetime="2024-01-01"></time></svg>`,
		`<article><aside><time datetime="2024-02-02"></time></aside><time datetime="2024-03-03"></time></article>`,
		`<main><time datetime="x"></time><time datetime="2024-01-01"></time></main>`,
		`<main><time datetime=""></time><time datetime="2024-01-01"></time></main>`,
		`<main><span class="sidebar"><time datetime="2024-01-01"></span><time datetime="2023-01-01"></main>`,
		`<main><p>a<h2>b<time datetime="2024-01-01"></main>`, `<main><h1><h2><time datetime="2024-01-01"></main>`,
		`<div role="main"><time class="footer" datetime="2024-01-01"></time><time datetime="2023-01-01"></time></div>`,
		`<main><a href="/x"><div><time datetime="2024-01-01"></time></div></a></main>`,
		`<main><noscript><a href="/n"><time datetime="2024-01-01"></time></a></noscript></main>`,
		`<article><dl><dt>a<dd><time datetime="2024-01-01"></dl></article>`,
		`<article><button><p><button><time datetime="2024-01-01"></article>`,
	}
}

// short returns s, or its start and end when it is long.
func short(s string) string {
	if len(s) <= 200 {
		return s
	}
	return s[:100] + "…" + s[len(s)-100:]
}
