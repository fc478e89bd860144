package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets/style.css
var styleSheet string

// styleHash is the stylesheet's CSP hash: pages inline the stylesheet,
// and the policy allows that one stylesheet and nothing else — no
// script, no image, no font, no connection.
var styleHash = func() string {
	sum := sha256.Sum256([]byte(styleSheet))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

// contentSecurityPolicy is the header of every answer of the server.
var contentSecurityPolicy = "default-src 'none'; style-src " + styleHash +
	"; img-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// reportPolicy is the report's, as a <meta> (a file has no headers; meta
// policies take no frame-ancestors or form-action).
var reportPolicy = "default-src 'none'; style-src " + styleHash + "; base-uri 'none'"

// pages are the page templates, each parsed with the layout.
var pageNames = []string{"overview", "videos", "video", "channels", "sites", "search", "vanished", "error", "report"}

// templates parses the page templates on first use, not at start-up:
// every command of the binary links this package, and parsing them took
// 24 ms of each command's start (a tenth of a short cron run's time).
var templates = sync.OnceValue(func() map[string]*template.Template {
	base := template.Must(template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html"))
	ts := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		ts[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html"))
	}
	return ts
})

// view is what the layout gets: the page's name (for the navigation and
// the layout to use) and its data.
type view struct {
	Page string
	D    any
}

// render executes the page into a buffer first, so that a failure is a
// clean 500, then writes it.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, data any) {
	var b bytes.Buffer
	if err := templates()[name].ExecuteTemplate(&b, "layout", view{Page: name, D: data}); err != nil {
		s.opts.Log.Error("render", "page", name, "url", r.URL.String(), "err", err)
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(code)
	w.Write(b.Bytes())
}

var funcs = template.FuncMap{
	// css is the stylesheet, trusted: it is ours, embedded.
	"css":          func() template.CSS { return template.CSS(styleSheet) },
	"reportPolicy": func() string { return reportPolicy },
	"num":          func(n any) string { return numAny(n) },
	"when":         when,
	"day":          func(t time.Time) string { return dash(t, "2006-01-02") },
	"clock":        clock,
	"secs":         func(ms int64) int64 { return ms / 1000 },
	"dur": func(s int64) string {
		if s < 0 {
			return "—"
		}
		return clock(s)
	},
	"views": func(n int64) string {
		if n < 0 {
			return "—"
		}
		return num(n)
	},
	"f1":     func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
	"colour": func(status string) string { return statusColours[status] },
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
	"join": strings.Join,
	"add":  func(a, b int) int { return a + b },
}

func numAny(n any) string {
	switch n := n.(type) {
	case int:
		return num(n)
	case int64:
		return num(n)
	}
	return fmt.Sprint(n)
}

// num writes an integer with thousands separators: 1,234,567.
func num[T int | int64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func when(t time.Time) string { return dash(t, "2006-01-02 15:04 UTC") }

func dash(t time.Time, layout string) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(layout)
}

// clock renders seconds as 1:02:03 or 2:03.
func clock(s int64) string {
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
