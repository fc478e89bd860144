package extract

import (
	"bytes"
	"html"
	"net/url"

	"github.com/harvestdev/ytharvest/harvest"
)

// ExtractText returns the references pasted into a text page (text/plain,
// text/markdown; UTF-8) whose URL is base: the URLs written in it, found by
// the same rules, with the same context, as URLs pasted into an HTML
// page's text (kind text), all in the body. A Markdown link's target is
// such a URL too. A text page has no out-links.
func ExtractText(base *url.URL, text []byte) (*harvest.Extraction, error) {
	// The text, escaped, is the one text node of a page: nothing in it can
	// be taken for markup.
	var b bytes.Buffer
	b.Grow(len(text) + len(text)/8 + 64)
	b.WriteString("<!DOCTYPE html><html><body><pre>")
	b.WriteString(html.EscapeString(string(text)))
	b.WriteString("</pre></body></html>")
	x, err := Extract(base, &b)
	if err != nil {
		return nil, err
	}
	x.Title, x.CanonicalURL, x.Language, x.Links = "", "", "", nil
	for i := range x.Refs {
		x.Refs[i].InBody = true
	}
	return x, nil
}
