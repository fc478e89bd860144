package testserver

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Hostile is a web site that does everything a server on the open web can
// do to a crawler: trickle bytes forever, never end a body, lie about its
// length, its type and its charset, bomb it with gzip, redirect it in
// circles and to other schemes, nest HTML 100,000 deep, link a million
// pages, reset the connection, answer 429 and 503 with Retry-After, and
// trap it in an endless calendar. Each behaviour has its own path (see
// ServeHTTP); sizes are fields, so a test under the race detector can ask
// for a lighter version of the same attack. The zero value is usable:
// zero sizes take the defaults named on each field.
//
// A normal page lives at /good, embedding GoodVideo, so a test can commit
// rows before the attack and check that they survive it. Hostile records
// the time of every request it receives (Hits).
type Hostile struct {
	BombBytes  int64  // bytes a gzip bomb inflates to (default 1 GiB)
	Links      int    // links on /links (default 1,000,000)
	Depth      int    // nesting of /deep (default 100,000)
	AttrBytes  int    // size of the attribute values of /huge-attr (default 5 MB)
	Robots     []byte // the body of /robots.txt (404 when nil); set before serving
	RobotsCode int    // its status when not 0 (200 otherwise)

	mu   sync.Mutex
	hits []Hit

	bombOnce   sync.Once
	bombFiller []byte // one gzip member of bombChunk spaces
}

// Hit is one request Hostile received.
type Hit struct {
	Path string // with the query, as requested
	At   time.Time
}

// GoodVideo is the video /good embeds; HostileVideo is the one the hostile
// pages embed where a test asks whether a reference survives the attack.
// Both are known to the fake YouTube.
const (
	GoodVideo    = "H7xQm2Lp9sA"
	HostileVideo = "k3Rt_vB8nQw"
)

const bombChunk = 1 << 20

func (h *Hostile) bombBytes() int64 { return cmp0(h.BombBytes, 1<<30) }
func (h *Hostile) links() int       { return int(cmp0(int64(h.Links), 1_000_000)) }
func (h *Hostile) depth() int       { return int(cmp0(int64(h.Depth), 100_000)) }
func (h *Hostile) attrBytes() int   { return int(cmp0(int64(h.AttrBytes), 5_000_000)) }

func cmp0(v, def int64) int64 {
	if v <= 0 {
		return def
	}
	return v
}

// Hits returns the requests received so far, oldest first.
func (h *Hostile) Hits() []Hit {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Hit(nil), h.hits...)
}

// HitAt returns the time of the first request for path (with its query),
// and whether there was one.
func (h *Hostile) HitAt(path string) (time.Time, bool) {
	for _, hit := range h.Hits() {
		if hit.Path == path {
			return hit.At, true
		}
	}
	return time.Time{}, false
}

// ServeHTTP serves, by path:
//
//	/good                  a normal article embedding GoodVideo
//	/robots.txt            Robots (with RobotsCode), else 404
//	/slowloris             headers, then one byte every 100 ms, forever
//	/endless               an HTML body that never ends, as fast as it can
//	/big-length            Content-Length: 2147483648 and a 1 KB body
//	/bomb.html             text/html, Content-Encoding: gzip, BombBytes inflated
//	/bomb.xml.gz           a gzipped sitemap as application/octet-stream, BombBytes inflated
//	/redirect/N            a redirect to /redirect/N-1; /redirect/0 is /good
//	/loop/a, /loop/b       redirects to each other
//	/to-file, /to-ftp, /to-js   redirects to file://, ftp:// and javascript:
//	/html-as-png           an article (embedding HostileVideo) served as image/png
//	/html-no-type          the same with no Content-Type at all
//	/random-as-html        64 KB of random bytes as text/html
//	/png-as-html           a PNG image as text/html
//	/invalid-utf8          an article with invalid UTF-8, labelled UTF-8
//	/cp1251-as-latin1      windows-1251 text labelled ISO-8859-1
//	/deep                  Depth nested <div>s, HostileVideo's iframe at the bottom
//	/links                 Links distinct links to /l/N
//	/huge-attr             attributes of AttrBytes bytes (an href, a data-*, an iframe src)
//	/nul                   NUL bytes in text, title, attributes and link URLs
//	/cal/YYYY/MM           a calendar month linking the next and previous month, forever
//	/reset                 half a body, then a TCP reset
//	/status/index?links=A,B  a page linking /A and /B (or A and B when absolute), in order
//	/status/CODE           that status;
//	                       /status/CODE-ra adds "Retry-After: 2", /status/CODE-date
//	                       an HTTP-date 2 s ahead, /status/CODE-hour "Retry-After: 3600"
//	/after/N               a plain page (to time the request after a Retry-After)
//
// Anything else is 404.
func (h *Hostile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.hits = append(h.hits, Hit{Path: r.URL.RequestURI(), At: time.Now()})
	h.mu.Unlock()
	p := r.URL.Path
	if serve, ok := h.pages()[p]; ok {
		serve(w, r)
		return
	}
	for _, d := range h.dirs() {
		if rest, ok := strings.CutPrefix(p, d.prefix); ok {
			d.serve(w, r, rest)
			return
		}
	}
	http.NotFound(w, r)
}

// pages are the paths served, each by its handler.
func (h *Hostile) pages() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"/good": func(w http.ResponseWriter, r *http.Request) {
			html(w, "text/html; charset=utf-8", article("A good page", GoodVideo))
		},
		"/robots.txt": h.robots,
		"/slowloris":  slowloris,
		"/endless":    endless,
		"/big-length": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Length", "2147483648")
			w.WriteHeader(http.StatusOK)
			w.Write(bytes.Repeat([]byte("<p>lorem ipsum</p>\n"), 55)) // ~1 KB, then the handler returns
		},
		"/bomb.html": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Encoding", "gzip")
			h.bomb(w, r, `<!DOCTYPE html><html><head><title>Bomb</title></head><body><p>`)
		},
		"/bomb.xml.gz": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			loc := "http://" + r.Host + "/good"
			h.bomb(w, r, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
				`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>`+loc+`</loc></url>`)
		},
		"/loop/a": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/loop/b", http.StatusMovedPermanently)
		},
		"/loop/b": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/loop/a", http.StatusMovedPermanently)
		},
		"/to-file": redirectTo("file:///etc/passwd"),
		"/to-ftp":  func(w http.ResponseWriter, r *http.Request) { redirectTo("ftp://"+r.Host+"/pub/secret")(w, r) },
		"/to-js":   redirectTo("javascript:alert(document.cookie)"),
		"/html-as-png": func(w http.ResponseWriter, r *http.Request) {
			html(w, "image/png", article("HTML served as an image", HostileVideo))
		},
		"/html-no-type": func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil // no header, and net/http adds none
			w.Write([]byte(article("HTML with no Content-Type", HostileVideo)))
		},
		"/random-as-html": func(w http.ResponseWriter, r *http.Request) {
			b := make([]byte, 64<<10)
			rand.NewChaCha8([32]byte{7}).Read(b)
			html(w, "text/html", string(b))
		},
		"/png-as-html":      func(w http.ResponseWriter, r *http.Request) { html(w, "text/html; charset=utf-8", string(pngImage())) },
		"/invalid-utf8":     invalidUTF8,
		"/cp1251-as-latin1": cp1251AsLatin1,
		"/deep":             h.deep,
		"/links":            h.manyLinks,
		"/huge-attr":        h.hugeAttr,
		"/nul":              nul,
		"/reset":            func(w http.ResponseWriter, r *http.Request) { reset(w) },
	}
}

// dirs are the path prefixes served, each by its handler, which gets the
// rest of the path.
func (h *Hostile) dirs() []struct {
	prefix string
	serve  func(w http.ResponseWriter, r *http.Request, rest string)
} {
	return []struct {
		prefix string
		serve  func(w http.ResponseWriter, r *http.Request, rest string)
	}{
		{"/redirect/", redirectChain},
		{"/nul/", func(w http.ResponseWriter, r *http.Request, _ string) { html(w, "text/html", article("NUL child", "")) }},
		{"/cal/", func(w http.ResponseWriter, r *http.Request, _ string) { calendar(w, r) }},
		{"/status/", status},
		{"/after/", func(w http.ResponseWriter, r *http.Request, n string) { html(w, "text/html", article("After "+n, "")) }},
	}
}

func (h *Hostile) robots(w http.ResponseWriter, r *http.Request) {
	switch {
	case h.RobotsCode != 0:
		w.WriteHeader(h.RobotsCode)
		w.Write(h.Robots)
	case h.Robots != nil:
		w.Header().Set("Content-Type", "text/plain")
		w.Write(h.Robots)
	default:
		http.NotFound(w, r)
	}
}

// redirectChain redirects /redirect/N to /redirect/N-1, and /redirect/0
// to /good.
func redirectChain(w http.ResponseWriter, r *http.Request, rest string) {
	n, err := strconv.Atoi(rest)
	switch {
	case err != nil || n < 0:
		http.NotFound(w, r)
	case n == 0:
		http.Redirect(w, r, "/good", http.StatusFound)
	default:
		http.Redirect(w, r, "/redirect/"+strconv.Itoa(n-1), http.StatusFound)
	}
}

// redirectTo redirects to target as it is (http.Redirect would make it
// relative).
func redirectTo(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", target)
		w.WriteHeader(http.StatusFound)
	}
}

func invalidUTF8(w http.ResponseWriter, r *http.Request) {
	html(w, "text/html; charset=utf-8", "<html><head><title>Bad \xff\xfe UTF-8 \xc3\x28 here</title></head><body><article>"+
		"<p>Broken \xe2\x82 sequences \xed\xa0\x80 (a surrogate) and \xf8\x88\x80\x80\x80 (five bytes).</p>"+
		`<iframe src="https://www.youtube.com/embed/`+HostileVideo+`"></iframe></article></body></html>`)
}

// cp1251AsLatin1 serves "Новости: видео" in windows-1251, declared
// ISO-8859-1.
func cp1251AsLatin1(w http.ResponseWriter, r *http.Request) {
	html(w, "text/html; charset=iso-8859-1", "<html><head><title>\xcd\xee\xe2\xee\xf1\xf2\xe8: \xe2\xe8\xe4\xe5\xee</title></head><body><article>"+
		"<p>\xcf\xf0\xe8\xe2\xe5\xf2, \xec\xe8\xf0!</p>"+
		`<iframe src="https://www.youtube.com/embed/`+HostileVideo+`"></iframe></article></body></html>`)
}

func (h *Hostile) deep(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	d := h.depth()
	w.Write([]byte("<!DOCTYPE html><html><head><title>Deep</title></head><body><article>"))
	w.Write(bytes.Repeat([]byte("<div>"), d))
	w.Write([]byte(`<iframe src="https://www.youtube.com/embed/` + HostileVideo + `"></iframe>`))
	w.Write(bytes.Repeat([]byte("</div>"), d))
	w.Write([]byte("</article></body></html>"))
}

func (h *Hostile) manyLinks(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	bw := &bytes.Buffer{}
	bw.WriteString("<!DOCTYPE html><html><head><title>Links</title></head><body><article>")
	for i := range h.links() {
		bw.WriteString("<a href=/l/")
		bw.WriteString(strconv.Itoa(i))
		bw.WriteString(">l</a>")
		if bw.Len() > 64<<10 {
			if _, err := w.Write(bw.Bytes()); err != nil {
				return
			}
			bw.Reset()
		}
	}
	bw.WriteString("</article></body></html>")
	w.Write(bw.Bytes())
}

func (h *Hostile) hugeAttr(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	blob := strings.Repeat("A", h.attrBytes())
	w.Write([]byte("<!DOCTYPE html><html><head><title>Huge attributes</title></head><body><article>"))
	w.Write([]byte(`<div data-blob="` + blob + `">x</div>`))
	w.Write([]byte(`<a href="/huge?q=` + blob + `">huge link</a>`))
	w.Write([]byte(`<iframe src="https://www.youtube.com/embed/Zp4-eYc1UoM?pad=` + blob + `"></iframe>`))
	w.Write([]byte(`<iframe src="https://www.youtube.com/embed/` + HostileVideo + `"></iframe>`))
	w.Write([]byte(`</article></body></html>`))
}

func nul(w http.ResponseWriter, r *http.Request) {
	html(w, "text/html; charset=utf-8", "<html><head><title>NUL\x00 title</title></head><body><article>"+
		"<p>Text with a NUL\x00 byte.</p>"+
		"<a href=\"/nul/raw\x00byte\">raw NUL in a URL</a> <a href=\"/nul/escaped%00byte\">%00 in a URL</a> "+
		"<a href=\"/nul/ok\">ok</a> <a data-x=\"a\x00b\" href=\"https://youtu.be/"+HostileVideo+"\x00\">video</a>"+
		`</article></body></html>`)
}

// article is a small news page, embedding video when it is not "".
func article(title, video string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html><html><head><title>%s</title></head><body><article><h1>%s</h1><p>Some text.</p>", title, title)
	if video != "" {
		fmt.Fprintf(&b, `<iframe src="https://www.youtube.com/embed/%s"></iframe>`, video)
	}
	b.WriteString("</article></body></html>")
	return b.String()
}

func html(w http.ResponseWriter, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.Write([]byte(body))
}

func slowloris(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte("<html><body>"))
	rc := http.NewResponseController(w)
	rc.Flush()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
			if _, err := w.Write([]byte("x")); err != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
		}
	}
}

func endless(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte("<!DOCTYPE html><html><head><title>Endless</title></head><body>"))
	chunk := bytes.Repeat([]byte("<p>and it goes on and on</p>\n"), 2048)
	for r.Context().Err() == nil {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

// bomb writes head, gzipped, then gzip members of bombChunk spaces until
// BombBytes have been promised: about 1 KB of gzip per MiB inflated.
func (h *Hostile) bomb(w http.ResponseWriter, r *http.Request, head string) {
	filler := h.filler()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(head))
	zw.Close()
	if _, err := w.Write(b.Bytes()); err != nil {
		return
	}
	for n := int64(0); n < h.bombBytes() && r.Context().Err() == nil; n += bombChunk {
		if _, err := w.Write(filler); err != nil {
			return
		}
	}
}

// filler returns one gzip member of bombChunk spaces, made once.
func (h *Hostile) filler() []byte {
	h.bombOnce.Do(func() {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(bytes.Repeat([]byte(" "), bombChunk))
		zw.Close()
		h.bombFiller = b.Bytes()
	})
	return h.bombFiller
}

// BombGzipBytes returns about how many bytes a gzip bomb sends.
func (h *Hostile) BombGzipBytes() int64 {
	return int64(len(h.filler())) * (h.bombBytes() / bombChunk)
}

// calendar serves /cal/YYYY/MM, linking the previous and next month: an
// endless space of pages with distinct, well-formed URLs.
func calendar(w http.ResponseWriter, r *http.Request) {
	var y, m int
	if _, err := fmt.Sscanf(r.URL.Path, "/cal/%d/%d", &y, &m); err != nil || m < 1 || m > 12 {
		http.NotFound(w, r)
		return
	}
	t := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
	next, prev := t.AddDate(0, 1, 0), t.AddDate(0, -1, 0)
	html(w, "text/html", fmt.Sprintf(`<html><head><title>%s</title></head><body><h1>%s</h1>`+
		`<a href="/cal/%d/%d">previous</a> <a href="/cal/%d/%d">next</a></body></html>`,
		t.Format("January 2006"), t.Format("January 2006"), prev.Year(), int(prev.Month()), next.Year(), int(next.Month())))
}

// reset sends headers promising 100,000 bytes and 4 KB of them, then
// resets the connection (SO_LINGER 0 makes close send RST).
func reset(w http.ResponseWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<html><body>")
	buf.Write(bytes.Repeat([]byte("<p>half a page</p>"), 230))
	buf.Flush()
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
}

// status serves /status/index?links=... and /status/CODE[-ra|-date|-hour].
func status(w http.ResponseWriter, r *http.Request, what string) {
	if what == "index" {
		var b strings.Builder
		b.WriteString("<html><body>")
		for _, l := range strings.Split(r.URL.Query().Get("links"), ",") {
			href := "/" + l
			if strings.Contains(l, "://") {
				href = l
			}
			fmt.Fprintf(&b, `<a href="%s">%s</a> `, href, l)
		}
		b.WriteString("</body></html>")
		html(w, "text/html", b.String())
		return
	}
	code, suffix, _ := strings.Cut(what, "-")
	n, err := strconv.Atoi(code)
	if err != nil || n < 400 || n > 599 {
		http.NotFound(w, r)
		return
	}
	switch suffix {
	case "ra":
		w.Header().Set("Retry-After", "2")
	case "date":
		w.Header().Set("Retry-After", time.Now().Add(2*time.Second).UTC().Format(http.TimeFormat))
	case "hour":
		w.Header().Set("Retry-After", "3600")
	}
	http.Error(w, http.StatusText(n), n)
}

// pngImage is a valid 1x1 PNG.
func pngImage() []byte {
	return []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
		"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
}

// Everything200 answers 200 with the same page to every path: a page
// of relative links, so that every answer links deeper.
type Everything200 struct {
	mu    sync.Mutex
	count int
}

// ServeHTTP implements http.Handler.
func (e *Everything200) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	e.count++
	e.mu.Unlock()
	html(w, "text/html", `<html><head><title>Welcome</title></head><body>`+
		`<a href="a/">a</a> <a href="b/">b</a> <a href="page?id=1">p</a></body></html>`)
}

// Requests returns how many requests it has answered.
func (e *Everything200) Requests() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.count
}
