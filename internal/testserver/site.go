package testserver

import (
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
)

// Site serves a fake web site from a directory: "/" is index.html and
// "/a/b" is a/b.html when a/b does not exist, so pages have clean URLs.
// Unknown paths answer 404. It records the paths it was asked for.
type Site struct {
	dir string

	mu       sync.Mutex
	requests []string
}

// NewSite returns a site serving the files under dir.
func NewSite(dir string) *Site { return &Site{dir: dir} }

// ServeHTTP implements http.Handler.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.URL.Path)
	s.mu.Unlock()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := path.Clean("/" + r.URL.Path)
	if strings.HasSuffix(p, "/") {
		p += "index.html"
	}
	for _, name := range []string{p, p + ".html"} {
		file := filepath.Join(s.dir, filepath.FromSlash(name))
		st, err := os.Stat(file)
		if err != nil || st.IsDir() {
			continue
		}
		b, err := os.ReadFile(file)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		ct := mime.TypeByExtension(filepath.Ext(file))
		if ct == "" {
			ct = "application/octet-stream"
		}
		w.Header().Set("Content-Type", ct)
		w.Write(b)
		return
	}
	http.NotFound(w, r)
}

// Requests returns the paths requested so far, in order.
func (s *Site) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// Reset forgets the requests.
func (s *Site) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}
