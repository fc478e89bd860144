package extract

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/harvestdev/ytharvest/harvest"
)

// Sources of the publication time, best first. A page often states the
// date several ways; the dedicated meta tags are the most reliable, a
// <time> in the article may be an update time, and the generic name=date
// tags are often the crawl or modification date.
const (
	dateArticleMeta = iota // <meta property="article:published_time">
	dateItemprop           // [itemprop=datePublished]
	dateJSONLD             // JSON-LD "datePublished"
	dateTime               // <time datetime> inside the article
	dateOtherMeta          // <meta name="pubdate|publishdate|date|…">
	dateSources
)

// facts collects the page facts during the walk; resolve turns them into
// the final values once the whole page has been seen.
type facts struct {
	lang        string
	title       string
	haveTitle   bool
	ogTitle     string
	ogSiteName  string
	ogType      string // lower case: article, website, video.other…
	ogVideo     string // og:video (or :url, :secure_url), else twitter:player
	twPlayer    string
	canonical   string
	ogURL       string
	contentLang string
	ogLocale    string
	dates       [dateSources]string
	jsonLD      []string
}

// element records what element n (in region r) says about the page.
func (f *facts) element(n *html.Node, r region) {
	switch n.DataAtom {
	case atom.Html:
		if f.lang == "" {
			f.lang = strings.TrimSpace(attr(n, "lang"))
		}
	case atom.Title:
		// The first <title> of the HTML namespace; an SVG <title> is a
		// tooltip, not the page's.
		if !f.haveTitle && n.Namespace == "" {
			f.haveTitle = true
			f.title = collapse(childText(n))
		}
	case atom.Meta:
		f.meta(n)
	case atom.Link:
		if f.canonical == "" && hasToken(attr(n, "rel"), "canonical") {
			f.canonical = attr(n, "href")
		}
	case atom.Time:
		if f.dates[dateTime] == "" && r.container && !r.chrome {
			f.dates[dateTime] = attr(n, "datetime")
		}
	}
	if f.dates[dateItemprop] == "" && n.DataAtom != atom.Meta && hasToken(attr(n, "itemprop"), "datePublished") {
		if v := attr(n, "datetime"); v != "" {
			f.dates[dateItemprop] = v
		} else {
			f.dates[dateItemprop] = attr(n, "content")
		}
	}
}

// meta records a <meta> tag.
func (f *facts) meta(n *html.Node) {
	content := strings.TrimSpace(attr(n, "content"))
	if content == "" {
		return
	}
	if hasToken(attr(n, "itemprop"), "datePublished") {
		setOnce(&f.dates[dateItemprop], content)
	}
	if strings.EqualFold(attr(n, "http-equiv"), "content-language") {
		setOnce(&f.contentLang, content)
	}
	// Open Graph uses property=, but many pages write name=; accept both.
	for _, key := range [...]string{attr(n, "property"), attr(n, "name")} {
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "":
		case "og:title":
			setOnce(&f.ogTitle, content)
		case "og:site_name":
			setOnce(&f.ogSiteName, content)
		case "og:type":
			setOnce(&f.ogType, strings.ToLower(content))
		case "og:video", "og:video:url", "og:video:secure_url":
			setOnce(&f.ogVideo, content)
		case "twitter:player":
			setOnce(&f.twPlayer, content)
		case "og:url":
			setOnce(&f.ogURL, content)
		case "og:locale":
			setOnce(&f.ogLocale, content)
		case "article:published_time", "og:article:published_time":
			setOnce(&f.dates[dateArticleMeta], content)
		case "pubdate", "publishdate", "publish-date", "date", "dc.date", "dc.date.issued",
			"dcterms.created", "parsely-pub-date", "sailthru.date", "article.published":
			setOnce(&f.dates[dateOtherMeta], content)
		}
	}
}

// betterDate reports whether the page is dated already by a source better
// than a <time>: a meta tag or microdata.
func (f *facts) betterDate() bool {
	for _, src := range [...]int{dateArticleMeta, dateItemprop} {
		if _, ok := parseTime(f.dates[src]); ok {
			return true
		}
	}
	return false
}

// ldJSON records the text of a <script type="application/ld+json">. It is
// parsed only if no better source gives the date.
func (f *facts) ldJSON(text string) {
	f.jsonLD = append(f.jsonLD, text)
}

// fill sets the page facts of x, resolving the canonical URL against base.
func (f *facts) fill(x *harvest.Extraction, base *url.URL) {
	x.Title = f.title
	if x.Title == "" {
		x.Title = collapse(f.ogTitle)
	}
	if f.canonical != "" {
		if u := resolve(base, f.canonical); isWebURL(u) {
			x.CanonicalURL = u.String()
		}
	}
	x.Language = f.language()
	x.PublishedAt = f.published()
}

// language returns the page language: <html lang>, else the
// Content-Language meta tag (its first entry), else og:locale written the
// BCP 47 way (de_DE becomes de-DE).
func (f *facts) language() string {
	if f.lang != "" {
		return f.lang
	}
	if f.contentLang != "" {
		first, _, _ := strings.Cut(f.contentLang, ",")
		return strings.TrimSpace(first)
	}
	return strings.ReplaceAll(strings.TrimSpace(f.ogLocale), "_", "-")
}

// published returns the publication time from the best source that
// parses, in UTC, or the zero time.
func (f *facts) published() time.Time {
	for src, v := range f.dates {
		if src == dateJSONLD {
			for _, text := range f.jsonLD {
				if t, ok := parseTime(jsonLDDate(text)); ok {
					return t
				}
			}
			continue
		}
		if t, ok := parseTime(v); ok {
			return t
		}
	}
	return time.Time{}
}

// jsonLDDate returns the first "datePublished" string in a JSON-LD block,
// searching nested objects, arrays and @graph. Invalid JSON (common: sites
// template it by hand) yields "".
func jsonLDDate(text string) string {
	var v any
	if err := json.Unmarshal([]byte(strings.TrimSpace(text)), &v); err != nil {
		return ""
	}
	// Breadth-first with an explicit queue: JSON nests at most 10000
	// deep (encoding/json's limit), but there is no need to recurse.
	queue := []any{v}
	for len(queue) > 0 {
		switch x := queue[0].(type) {
		case map[string]any:
			if s, ok := x["datePublished"].(string); ok && s != "" {
				return s
			}
			for _, key := range sortedKeys(x) {
				queue = append(queue, x[key])
			}
		case []any:
			queue = append(queue, x...)
		}
		queue = queue[1:]
	}
	return ""
}

// sortedKeys returns the keys of m that can hold more JSON-LD nodes, in a
// fixed order so that the result does not depend on map iteration.
func sortedKeys(m map[string]any) []string {
	var keys []string
	for k, v := range m {
		switch v.(type) {
		case map[string]any, []any:
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// parseTime parses a publication time in one of the formats seen on news
// pages, most common first. Layouts without a zone are taken as UTC.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	layouts := [...]string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05Z0700",
		"2006-01-02T15:04:05.999999999Z0700",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04:05",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04",
		"2006-01-02 15:04:05Z07:00",
		"2006-01-02 15:04:05 Z0700",
		"2006-01-02 15:04:05",
		"2006-01-02 15:04",
		"2006-01-02",
		time.RFC1123Z,
		time.RFC1123,
		"Mon, 2 Jan 2006 15:04:05 -0700",
		"Mon, 2 Jan 2006 15:04:05 MST",
		"20060102T150405Z0700",
		"20060102",
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// setOnce sets *p to v unless it is set already: the first tag wins.
func setOnce(p *string, v string) {
	if *p == "" {
		*p = v
	}
}

// attr returns the value of n's attribute key (no namespace), or "".
func attr(n *html.Node, key string) string {
	for i := range n.Attr {
		a := &n.Attr[i]
		if a.Key == key && a.Namespace == "" {
			return a.Val
		}
	}
	return ""
}

// hasToken reports whether the space-separated list v contains tok,
// ignoring case (rel="Canonical", itemprop="datepublished" occur).
func hasToken(v, tok string) bool {
	for f := range strings.FieldsSeq(v) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}

// childText returns the text of n's direct text children. The common case,
// one text child (a script, a style, a title), costs no copy.
func childText(n *html.Node) string {
	if c := n.FirstChild; c != nil && c.NextSibling == nil && c.Type == html.TextNode {
		return c.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}
