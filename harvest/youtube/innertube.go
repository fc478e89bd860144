package youtube

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/harvestdev/ytharvest/harvest"
)

// ytBase is where YouTube's requests go before the rewrite.
const ytBase = "https://www.youtube.com"

// ask sends one request to YouTube through e and captures the answer. The
// body is read whole (up to maxCapture; a longer one is Truncated).
func ask(ctx context.Context, e *egress, req *http.Request) Exchange {
	req = req.WithContext(ctx)
	resp, err := e.hc.Do(req)
	if err != nil {
		return Exchange{Err: err}
	}
	defer resp.Body.Close()
	ex := Exchange{Status: resp.StatusCode, Location: resp.Header.Get("Location")}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxCapture+1))
	if err != nil {
		ex.Err = err
		return ex
	}
	if len(body) > maxCapture {
		body, ex.Truncated = body[:maxCapture], true
	}
	ex.Body = body
	return ex
}

// visitorID returns e's visitor id, asking YouTube's home page for it the
// first time: one request per egress per run, as a browser would make
// once. A home page without one (a consent page) is asked once; a failed
// request (an error, a 429) is tried again by the next call. home is the
// exchange when this call made the request.
func (s *Source) visitorID(ctx context.Context, e *egress, id Identity) (visitor string, home *Exchange) {
	e.vmu.Lock()
	defer e.vmu.Unlock()
	if e.visitorOK {
		return e.visitor, nil
	}
	req, err := http.NewRequest(http.MethodGet, ytBase, nil)
	if err != nil {
		return "", &Exchange{Err: err}
	}
	s.setHeaders(req, id)
	ex := ask(ctx, e, req)
	if ex.Err != nil || ex.Status != http.StatusOK {
		return "", &ex
	}
	e.visitorOK = true
	e.visitor = parseVisitor(ex.Body)
	return e.visitor, &ex
}

// parseVisitor finds INNERTUBE_CONTEXT.client.visitorData in the
// "\nytcfg.set({...})" line of YouTube's home page, as kkdai does.
func parseVisitor(page []byte) string {
	_, rest, ok := bytes.Cut(page, []byte("\nytcfg.set("))
	if !ok {
		return ""
	}
	var v struct {
		Context struct {
			Client struct {
				VisitorData string `json:"visitorData"`
			} `json:"client"`
		} `json:"INNERTUBE_CONTEXT"`
	}
	if json.NewDecoder(bytes.NewReader(rest)).Decode(&v) != nil {
		return ""
	}
	vd, err := url.PathUnescape(v.Context.Client.VisitorData)
	if err != nil {
		return ""
	}
	return vd
}

// setHeaders sets what every request of identity id carries.
func (s *Source) setHeaders(req *http.Request, id Identity) {
	req.Header.Set("User-Agent", id.UserAgent)
	req.Header.Set("Accept-Language", "en-US,en;q=0.9")
	// kkdai's consent cookie, so that EU servers get pages rather than
	// the consent interstitial.
	req.Header.Set("Cookie", "CONSENT="+s.consent)
}

// playerBody is the JSON of a player request for video as identity id.
func playerBody(id Identity, video, visitor string) ([]byte, error) {
	ctxt := map[string]any{
		"client":  id.clientContext(visitor),
		"user":    map[string]any{"lockedSafetyMode": false},
		"request": map[string]any{"useSsl": true},
	}
	if id.EmbedURL != "" {
		ctxt["thirdParty"] = map[string]any{"embedUrl": id.EmbedURL}
	}
	return json.Marshal(map[string]any{
		"context":        ctxt,
		"videoId":        video,
		"contentCheckOk": true,
		"racyCheckOk":    true,
		"playbackContext": map[string]any{
			"contentPlaybackContext": map[string]any{"html5Preference": "HTML5_PREF_WANTS"},
		},
	})
}

// askPlayer makes the player request for video as identity id through e:
// the visitor-id request first when e has none yet, then one POST to
// /youtubei/v1/player, and — only with Options.WatchPage, and only when
// the player answer is OK but lacks the publish date — the watch page.
func (s *Source) askPlayer(ctx context.Context, e *egress, id Identity, video string) Answer {
	var a Answer
	visitor, home := s.visitorID(ctx, e, id)
	if home != nil {
		a.Home = []Exchange{*home}
		if home.Err != nil || home.Status != http.StatusOK {
			a.Err = home.Err
			if a.Err == nil {
				a.Err = fmt.Errorf("home page: %s", http.StatusText(home.Status))
			}
			return a
		}
	}
	body, err := playerBody(id, video, visitor)
	if err != nil {
		a.Err = err
		return a
	}
	req, err := http.NewRequest(http.MethodPost, ytBase+"/youtubei/v1/player?prettyPrint=false", bytes.NewReader(body))
	if err != nil {
		a.Err = err
		return a
	}
	s.setHeaders(req, id)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", ytBase)
	req.Header.Set("X-Youtube-Client-Name", strconv.Itoa(id.Number))
	req.Header.Set("X-Youtube-Client-Version", id.Version)
	if visitor != "" {
		req.Header.Set("X-Goog-Visitor-Id", visitor)
	}
	ex := ask(ctx, e, req)
	ex.Client = id.Name
	a.Player = []Exchange{ex}
	a.Err = ex.Err
	if ex.Err != nil || !s.watchPage || ex.Status != http.StatusOK {
		return a
	}
	if p, err := parsePlayer(ex.Body); err != nil || p.PlayabilityStatus.Status != "OK" || hasPublishDate(p) {
		return a
	}
	wreq, err := http.NewRequest(http.MethodGet, ytBase+"/watch?v="+url.QueryEscape(video)+"&bpctr=9999999999&has_verified=1", nil)
	if err != nil {
		return a
	}
	s.setHeaders(wreq, Identity{UserAgent: webUserAgent()})
	a.Watch = []Exchange{ask(ctx, e, wreq)}
	return a
}

// webUserAgent is the WEB identity's User-Agent, which asks for the watch
// page and oEmbed: they are a browser's.
func webUserAgent() string {
	for _, id := range Identities {
		if id.Name == "WEB" {
			return id.UserAgent
		}
	}
	return ""
}

// hasPublishDate reports whether a player answer says when the video was
// published (only web clients' answers carry the microformat).
func hasPublishDate(p *playerResponse) bool {
	m := p.Microformat.Renderer
	return m != nil && (m.PublishDate != "" || m.UploadDate != "")
}

// clients is the order of identities a Source speaks as, and which of
// them YouTube refused this run.
type clients struct {
	mu      sync.Mutex
	order   []Identity
	refused []string // "ANDROID 19.44.38: HTTP 400 Precondition check failed", in order
	retired map[string]bool
}

// current is the identity to speak as: the first not refused this run.
func (c *clients) current() (Identity, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range c.order {
		if !c.retired[id.Key] {
			return id, true
		}
	}
	return Identity{}, false
}

// retire marks id refused for the rest of the run and reports whether it
// was not already, and the identity that takes over.
func (c *clients) retire(id Identity, why string) (first bool, next Identity, ok bool) {
	c.mu.Lock()
	if !c.retired[id.Key] {
		first = true
		c.retired[id.Key] = true
		c.refused = append(c.refused, id.String()+": "+why)
	}
	c.mu.Unlock()
	next, ok = c.current()
	return first, next, ok
}

// Refused lists the client identities YouTube refused this run, with why,
// in the order they were refused: what the runs table records.
func (s *Source) Refused() []string {
	s.clients.mu.Lock()
	defer s.clients.mu.Unlock()
	return append([]string(nil), s.clients.refused...)
}

// errNoClient is what Video returns when YouTube refused every identity.
func (s *Source) errNoClient() error {
	return fmt.Errorf("%w: %s; update ytharvest, or set a newer version in [youtube.client.NAME] of the config file (see ytharvest doctor)",
		harvest.ErrNoClient, strings.Join(s.Refused(), "; "))
}

// AllRefused reports whether YouTube refused every identity this run.
func (s *Source) AllRefused() bool {
	_, ok := s.clients.current()
	return !ok
}
