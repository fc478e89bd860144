package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/harvestdev/ytharvest/db"
)

// Store is what the web UI reads. db.DB implements it; every method
// returns plain values, and errors wrapping db.ErrNotFound,
// db.ErrBadFilter or db.ErrBadQuery for what the user asked wrongly.
type Store interface {
	Overview(ctx context.Context, days, runs int) (*db.Overview, error)
	Videos(ctx context.Context, f db.VideoFilter) (*db.VideoList, error)
	Video(ctx context.Context, id string) (*db.VideoDetail, error)
	Channels(ctx context.Context, sort string, limit, offset int) ([]db.Channel, int, error)
	Channel(ctx context.Context, id string) (*db.Channel, error)
	Sites(ctx context.Context, top int) ([]db.Site, error)
	Vanished(ctx context.Context, since time.Time, limit, offset int) ([]db.VanishedVideo, int, error)
	Search(ctx context.Context, q db.SearchQuery) ([]db.Hit, error)
}

var _ Store = (*db.DB)(nil)

// Credentials are a user name and password for HTTP basic auth.
type Credentials struct {
	User, Password string
}

// Options configure a Server.
type Options struct {
	Log *slog.Logger
	// Auth, when not empty, requires HTTP basic auth with one of these.
	Auth []Credentials
	// LoopbackOnly refuses requests whose Host header is not a loopback
	// name or address: a web page the user visits cannot then read the UI
	// through a DNS name it rebinds to 127.0.0.1.
	LoopbackOnly bool
	// Timeout bounds the work of one request (default 10s).
	Timeout time.Duration
	// Now is the clock (tests replace it).
	Now func() time.Time
}

// Server serves the web UI. It is an http.Handler; it only reads.
type Server struct {
	store Store
	opts  Options
	mux   *http.ServeMux
}

// New returns a Server reading from store.
func New(store Store, opts Options) *Server {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{store: store, opts: opts, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /{$}", s.page(s.overview))
	s.mux.HandleFunc("GET /videos", s.page(s.videos))
	s.mux.HandleFunc("GET /videos/{id}", s.page(s.video))
	s.mux.HandleFunc("GET /channels", s.page(s.channels))
	s.mux.HandleFunc("GET /sites", s.page(s.sites))
	s.mux.HandleFunc("GET /search", s.page(s.search))
	s.mux.HandleFunc("GET /vanished", s.page(s.vanished))
	s.mux.HandleFunc("/", s.page(func(*http.Request) (string, any, error) {
		return "", nil, errNotFound("no such page")
	}))
	return s
}

// ServeHTTP implements http.Handler: security headers on every answer,
// then the Host check, basic auth and the method, then the page.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	if s.opts.LoopbackOnly && !loopbackHost(r.Host) {
		s.fail(w, r, &httpError{code: http.StatusMisdirectedRequest,
			msg: "this server answers to localhost only (Host " + r.Host + ")"})
		return
	}
	if len(s.opts.Auth) > 0 && !s.authorized(r) {
		h.Set("WWW-Authenticate", `Basic realm="ytharvest", charset="UTF-8"`)
		s.fail(w, r, &httpError{code: http.StatusUnauthorized, msg: "this harvest needs a user name and password"})
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		s.fail(w, r, &httpError{code: http.StatusMethodNotAllowed, msg: "this server only reads: GET and HEAD"})
		return
	}
	s.mux.ServeHTTP(w, r)
}

// authorized checks basic auth against every credential, in constant
// time for each (hashes, so that lengths do not show either).
func (s *Server) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	u, p := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(pass))
	good := 0
	for _, c := range s.opts.Auth {
		cu, cp := sha256.Sum256([]byte(c.User)), sha256.Sum256([]byte(c.Password))
		good |= subtle.ConstantTimeCompare(u[:], cu[:]) & subtle.ConstantTimeCompare(p[:], cp[:])
	}
	return good == 1
}

// loopbackHost reports whether a Host header names this machine's
// loopback: localhost, 127.0.0.0/8 or ::1, with any port.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// httpError is an answer other than 200: its code and what to tell the
// user (never an internal error's text).
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return fmt.Sprintf("%d %s", e.code, e.msg) }

func errBadRequest(format string, args ...any) error {
	return &httpError{code: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func errNotFound(format string, args ...any) error {
	return &httpError{code: http.StatusNotFound, msg: fmt.Sprintf(format, args...)}
}

// handler renders a page: it returns the template's name and its data,
// or an error.
type handler func(r *http.Request) (string, any, error)

// page runs h under the request timeout and renders what it returns.
func (s *Server) page(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
		defer cancel()
		r = r.WithContext(ctx)
		name, data, err := h(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, name, data)
	}
}

// fail answers with an error page: the user's mistakes (400, 404) say
// what was wrong; anything else is logged and answered 500 without
// detail.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	switch {
	case errors.As(err, &he):
	case errors.Is(err, db.ErrNotFound):
		he = &httpError{code: http.StatusNotFound, msg: "not in this harvest"}
	case errors.Is(err, context.DeadlineExceeded):
		s.opts.Log.Error("page timed out", "url", r.URL.String(), "err", err)
		he = &httpError{code: http.StatusServiceUnavailable, msg: "the page took too long; try again"}
	default:
		s.opts.Log.Error("page failed", "url", r.URL.String(), "err", err)
		he = &httpError{code: http.StatusInternalServerError, msg: "something went wrong reading the database (see the server's log)"}
	}
	s.render(w, r, he.code, "error", errorPage{Code: he.code, Status: http.StatusText(he.code), Message: he.msg})
}

type errorPage struct {
	Code    int
	Status  string
	Message string
}
