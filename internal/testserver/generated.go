package testserver

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// GeneratedSite is a synthetic news site of N pages for crash tests and
// benchmarks: "/" is page 0 and /p/K page K. Page K links to pages
// 3K+1..3K+3 (so every page is reachable, about log3(N) levels deep) and
// to a few pages elsewhere on the site (so most links are already known,
// as on a real site), embeds one of Videos videos in its article and links
// another in a sidebar, and pads its body to look like an article.
type GeneratedSite struct {
	Pages  int
	Videos int
}

// ServeHTTP implements http.Handler.
func (g GeneratedSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k := 0
	switch {
	case r.URL.Path == "/":
	case r.URL.Path == "/robots.txt":
		http.NotFound(w, r)
		return
	default:
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/p/"))
		if err != nil || n < 1 || n >= g.Pages || r.URL.Path != "/p/"+strconv.Itoa(n) {
			http.NotFound(w, r)
			return
		}
		k = n
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(g.page(k))
}

// VideoID returns the ID of video i.
func (g GeneratedSite) VideoID(i int) string { return fmt.Sprintf("v%010d", i) }

func (g GeneratedSite) page(k int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Story %d | The Generated Times</title>`, k)
	canonical := "/"
	if k > 0 {
		canonical = "/p/" + strconv.Itoa(k)
	}
	fmt.Fprintf(&b, `<link rel="canonical" href="%s"></head><body>`, canonical)
	b.WriteString(`<header><nav><a href="/">Home</a> <a href="/p/1">World</a> <a href="/p/2">Politics</a></nav></header>`)
	fmt.Fprintf(&b, `<main><article><h1>Story number %d</h1>`, k)
	for i := range 6 {
		fmt.Fprintf(&b, "<p>Paragraph %d of story %d. Officials said on Tuesday that the plan would go ahead as announced, "+
			"despite protests outside the ministry and questions from the opposition about its cost.</p>", i, k)
	}
	if g.Videos > 0 {
		fmt.Fprintf(&b, `<figure><iframe src="https://www.youtube.com/embed/%s" width="560" height="315"></iframe></figure>`, g.VideoID(k%g.Videos))
	}
	for c := 3*k + 1; c <= 3*k+3 && c < g.Pages; c++ {
		fmt.Fprintf(&b, `<p>Read also: <a href="/p/%d">story %d</a></p>`, c, c)
	}
	b.WriteString(`</article></main><aside class="sidebar"><h2>Most read</h2><ul>`)
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&b, `<li><a href="/p/%d">story</a></li>`, (k*7+i*13)%(g.Pages-1)+1)
	}
	if g.Videos > 0 {
		fmt.Fprintf(&b, `<li><a href="https://www.youtube.com/watch?v=%s">video</a></li>`, g.VideoID((k+1)%g.Videos))
	}
	b.WriteString(`</ul></aside><footer><a href="/">The Generated Times</a></footer></body></html>`)
	return []byte(b.String())
}
