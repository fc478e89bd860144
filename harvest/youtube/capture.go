package youtube

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
)

// maxCapture caps the part of a response body kept for classification.
// Watch pages run to about 1 MB; player answers to a few hundred KB.
const maxCapture = 8 << 20

// Which of kkdai's requests an Exchange answered.
const (
	kindHome   = "home"   // GET https://www.youtube.com, for the visitor id
	kindPlayer = "player" // POST /youtubei/v1/player
	kindWatch  = "watch"  // GET /watch?v=ID
	kindBrowse = "browse" // POST /youtubei/v1/browse: a playlist page
)

// Exchange is one captured request to YouTube and what came back.
type Exchange struct {
	// Client is the innertube clientName sent in a player request body:
	// ANDROID_VR for kkdai's default client, WEB_EMBEDDED_PLAYER after it
	// switched to the embedded player.
	Client    string
	Status    int    // HTTP status; 0 when no answer came (see Err)
	Location  string // the Location header of a redirect
	Body      []byte // the first maxCapture bytes of the body
	Truncated bool   // the body was longer than maxCapture
	Err       error  // the transport's error, when there was no answer
}

// recorder is the outermost RoundTripper of one kkdai Client. kkdai keeps
// little of what YouTube says (not the playability reason, microformat,
// isLive, caption names given as runs) and closes non-200 bodies unread,
// so recorder keeps, for the current call, every answer to the requests
// that matter and hands kkdai an identical body. A Client is used by one
// goroutine at a time; the mutex only makes that assumption cheap to keep.
type recorder struct {
	next      http.RoundTripper
	userAgent string // replaces kkdai's own when set

	mu        sync.Mutex
	exchanges map[string][]Exchange
	maxBrowse int // browse requests allowed this call; 0 = no limit
}

func newRecorder(next http.RoundTripper, userAgent string) *recorder {
	return &recorder{next: next, userAgent: userAgent}
}

// start forgets the answers of the previous call.
func (rec *recorder) start() {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.exchanges = make(map[string][]Exchange)
	rec.maxBrowse = 0
}

// errBrowseLimit stops kkdai paging through a playlist longer than we
// want: it follows every continuation otherwise.
var errBrowseLimit = errors.New("playlist page limit reached")

// limitBrowse allows at most n browse requests until the next start.
func (rec *recorder) limitBrowse(n int) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.maxBrowse = n
}

// answer returns what was captured since start, with kkdai's error.
func (rec *recorder) answer(err error) Answer {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return Answer{
		Home:   rec.exchanges[kindHome],
		Player: rec.exchanges[kindPlayer],
		Watch:  rec.exchanges[kindWatch],
		Browse: rec.exchanges[kindBrowse],
		Err:    err,
	}
}

// kindOf says which captured request req is, or "".
func kindOf(req *http.Request) string {
	if !isYouTubeHost(req.URL.Hostname()) {
		return ""
	}
	switch p := req.URL.Path; {
	case req.Method == http.MethodPost && p == "/youtubei/v1/player":
		return kindPlayer
	case req.Method == http.MethodGet && p == "/watch":
		return kindWatch
	case req.Method == http.MethodPost && p == "/youtubei/v1/browse":
		return kindBrowse
	case req.Method == http.MethodGet && (p == "" || p == "/"):
		return kindHome
	}
	return ""
}

// RoundTrip implements http.RoundTripper.
func (rec *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if rec.userAgent != "" {
		req = req.Clone(req.Context()) // RoundTrip must not modify req
		req.Header.Set("User-Agent", rec.userAgent)
	}
	// A redirect hop counts as the request that started the chain, and
	// its answer replaces the redirect's: what kkdai finally got is what
	// matters.
	first := req
	for first.Response != nil && first.Response.Request != nil {
		first = first.Response.Request
	}
	hop := first != req
	kind := kindOf(first)
	if kind == "" {
		return rec.next.RoundTrip(req)
	}
	if kind == kindBrowse && !hop {
		rec.mu.Lock()
		over := rec.maxBrowse > 0 && len(rec.exchanges[kindBrowse]) >= rec.maxBrowse
		rec.mu.Unlock()
		if over {
			return nil, errBrowseLimit
		}
	}
	ex := Exchange{}
	if kind == kindPlayer && !hop {
		ex.Client = clientName(req)
	}
	resp, err := rec.next.RoundTrip(req)
	if err != nil {
		ex.Err = err
		rec.add(kind, hop, ex)
		return nil, err
	}
	// The transport may have set the rewritten request; the redirect
	// chain must lead back to the one we were given.
	resp.Request = req
	ex.Status = resp.StatusCode
	ex.Location = resp.Header.Get("Location")
	// Read the body now: kkdai closes a non-200 body unread, and a 429
	// page or a consent redirect is exactly what we need to see.
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxCapture+1))
	if err != nil {
		resp.Body.Close()
		ex.Err = err
		rec.add(kind, hop, ex)
		return nil, err
	}
	if len(body) > maxCapture {
		ex.Body, ex.Truncated = body[:maxCapture], true
		resp.Body = &joinedBody{Reader: io.MultiReader(bytes.NewReader(body), resp.Body), Closer: resp.Body}
	} else {
		ex.Body = body
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	rec.add(kind, hop, ex)
	return resp, nil
}

// add records ex; a redirect hop replaces the redirect before it.
func (rec *recorder) add(kind string, hop bool, ex Exchange) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.exchanges == nil {
		rec.exchanges = make(map[string][]Exchange)
	}
	exs := rec.exchanges[kind]
	if hop && len(exs) > 0 {
		if ex.Client == "" {
			ex.Client = exs[len(exs)-1].Client
		}
		exs = exs[:len(exs)-1]
	}
	rec.exchanges[kind] = append(exs, ex)
}

// joinedBody reads what was captured, then the rest of the original body.
type joinedBody struct {
	io.Reader
	io.Closer
}

// clientName reads context.client.clientName from a player request body,
// from a copy: kkdai builds the request from bytes, so GetBody is set.
func clientName(req *http.Request) string {
	if req.GetBody == nil {
		return ""
	}
	rc, err := req.GetBody()
	if err != nil {
		return ""
	}
	defer rc.Close()
	var body struct {
		Context struct {
			Client struct {
				ClientName string `json:"clientName"`
			} `json:"client"`
		} `json:"context"`
	}
	if json.NewDecoder(io.LimitReader(rc, 1<<20)).Decode(&body) != nil {
		return ""
	}
	return body.Context.Client.ClientName
}
