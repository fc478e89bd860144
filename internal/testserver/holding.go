package testserver

import (
	"fmt"
	"net/http"
	"time"
)

// HoldingSite is a site whose front page and pages /p/1 to /p/3 each
// embed one video and link the three pages; robots.txt is absent. The
// request for Hold is held until Release is closed (or 10 s pass), after
// Arrived is closed: a test acts (deletes the page, say) while a crawler
// holds the page.
type HoldingSite struct {
	Hold             string // a path, like "/p/1"
	Video            string // the ID every page embeds
	Arrived, Release chan struct{}
}

// NewHoldingSite returns a site that holds the request for path.
func NewHoldingSite(path, video string) *HoldingSite {
	return &HoldingSite{Hold: path, Video: video, Arrived: make(chan struct{}), Release: make(chan struct{})}
}

// ServeHTTP implements http.Handler. Only one request for Hold is held.
func (s *HoldingSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/robots.txt":
		http.NotFound(w, r)
		return
	case s.Hold:
		close(s.Arrived)
		select {
		case <-s.Release:
		case <-time.After(10 * time.Second):
		}
	}
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprintf(w, `<html><body><iframe src="https://www.youtube.com/embed/%s"></iframe>`+
		`<a href="/p/1">1</a> <a href="/p/2">2</a> <a href="/p/3">3</a></body></html>`, s.Video)
}
