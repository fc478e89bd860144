package extract

import (
	"bytes"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxLooseDepth caps the nesting of the loose tree, like the HTML5
// parser's own limit, so that nothing downstream (goquery selectors
// recurse) meets an unbounded depth.
const maxLooseDepth = 512

// parse builds the document of page b. It uses goquery's usual entry
// point, the HTML5 parser, and falls back to parseLoose when that refuses
// the page: golang.org/x/net/html rejects documents nested deeper than 512
// elements, which a page full of unclosed <div>s reaches, and losing every
// reference of such a page would be worse than reading it with a rougher
// structure. (The only other parse error is a read error, and b is in
// memory.)
func parse(b []byte) *goquery.Document {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(b))
	if err != nil {
		return goquery.NewDocumentFromNode(parseLoose(b))
	}
	return doc
}

// parseLoose builds a tree from the tokens of b without the HTML5 tree
// construction rules: a start tag opens an element under the current one,
// an end tag closes the nearest open element of that name (or is ignored),
// and past maxLooseDepth an element closes the innermost one before it
// opens. Raw-text elements
// (script, style, textarea, title, noscript…) are still read as text, by
// the tokenizer.
func parseLoose(b []byte) *html.Node {
	doc := &html.Node{Type: html.DocumentNode}
	looseInto(doc, html.NewTokenizer(bytes.NewReader(b)))
	return doc
}

// looseInto appends the nodes read from z to root.
func looseInto(root *html.Node, z *html.Tokenizer) {
	open := []*html.Node{root}
	// How many elements of each name are open, so that an end tag that
	// matches nothing (the common case in broken markup) costs no search.
	count := make(map[string]int)
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return // io.EOF: the input is a byte slice or string
		case html.TextToken:
			open[len(open)-1].AppendChild(&html.Node{Type: html.TextNode, Data: string(z.Text())})
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			n := &html.Node{Type: html.ElementNode, Data: t.Data, DataAtom: t.DataAtom, Attr: t.Attr}
			opens := tt == html.StartTagToken && !isVoid(t.DataAtom)
			if opens && len(open) == maxLooseDepth {
				// Too deep: close the innermost element first, so that the
				// new one becomes its sibling and still holds its own
				// content (a link keeps its text).
				count[open[len(open)-1].Data]--
				open = open[:len(open)-1]
			}
			open[len(open)-1].AppendChild(n)
			if opens {
				open = append(open, n)
				count[n.Data]++
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if count[string(name)] == 0 {
				continue
			}
			for i := len(open) - 1; i > 0; i-- {
				if open[i].Data == string(name) {
					for _, c := range open[i:] {
						count[c.Data]--
					}
					open = open[:i]
					break
				}
			}
		}
	}
}

// isVoid reports whether elements of type a never have content.
func isVoid(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input,
		atom.Keygen, atom.Link, atom.Meta, atom.Param, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

// parseFragment parses HTML found inside a page (the markup of a
// <noscript>) as body content, falling back to the loose builder as parse
// does.
func parseFragment(s string) []*html.Node {
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	if nodes, err := html.ParseFragment(strings.NewReader(s), body); err == nil {
		return nodes
	}
	looseInto(body, html.NewTokenizer(strings.NewReader(s)))
	var nodes []*html.Node
	for c := body.FirstChild; c != nil; {
		next := c.NextSibling
		body.RemoveChild(c)
		nodes = append(nodes, c)
		c = next
	}
	return nodes
}
