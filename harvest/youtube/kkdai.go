package youtube

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	kkdai "github.com/kkdai/youtube/v2"
)

// kkdai/youtube v2.10.6 still lists playlists (GetPlaylistContext) and
// asks get_transcript for ytharvest; the player request ytharvest makes
// itself (innertube.go). kkdai's client identity is a package global,
// kkdai.DefaultClient, that every kkdai Client points at and that a
// LOGIN_REQUIRED answer swaps for EmbeddedClient; its request body has no
// place for osName, osVersion, deviceMake or clientScreen, and it sends
// X-Youtube-Client-Name 3 whatever the client. Writing that global would
// race with every Client in use, and could not give two Sources (two
// tests) two identities. So ytharvest never writes kkdai's globals: its
// transport rewrites the client part of the requests kkdai builds, to the
// Source's current identity (kkdaiIdentity).

// client is one kkdai Client of an egress and the recorder of its
// answers. A kkdai Client writes its own fields without a lock (visitor
// id, consent id, which innertube client it speaks as), so it is used by
// one goroutine at a time: it lives in egress.kk when idle.
type client struct {
	yt  *kkdai.Client
	rec *recorder
}

// newClient builds a kkdai Client on e: recorder -> identity rewrite ->
// e's chain.
func (s *Source) newClient(e *egress) *client {
	rec := newRecorder(&kkdaiIdentity{s: s, next: e.hcTransport()}, "")
	hc := &http.Client{Timeout: e.hc.Timeout, Transport: rec, CheckRedirect: e.hc.CheckRedirect}
	return &client{yt: &kkdai.Client{HTTPClient: hc}, rec: rec}
}

// hcTransport is e's chain; e.hc is set before its kkdai clients are made.
func (e *egress) hcTransport() http.RoundTripper { return e.hc.Transport }

// kkdaiClient takes one of e's kkdai clients, waiting while ctx lasts.
// The caller hands it back with a deferred e.kk <- c.
func kkdaiClient(ctx context.Context, e *egress) (*client, error) {
	select {
	case c := <-e.kk:
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// kkdaiIdentity makes kkdai's requests speak as the Source's current
// identity: the User-Agent of every request, and for innertube POSTs the
// context.client of the body and the X-Youtube-Client-* headers.
type kkdaiIdentity struct {
	s    *Source
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *kkdaiIdentity) RoundTrip(req *http.Request) (*http.Response, error) {
	id, ok := t.s.clients.current()
	if !ok {
		id = t.s.clients.order[len(t.s.clients.order)-1]
	}
	r := req.Clone(req.Context())
	r.Header.Set("User-Agent", id.UserAgent)
	if req.Method != http.MethodPost || !strings.HasPrefix(req.URL.Path, "/youtubei/") || req.GetBody == nil {
		return t.next.RoundTrip(r)
	}
	rc, err := req.GetBody()
	if err != nil {
		return t.next.RoundTrip(r)
	}
	data, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	rc.Close()
	var body map[string]any
	if err != nil || json.Unmarshal(data, &body) != nil {
		return t.next.RoundTrip(r)
	}
	ctxt, _ := body["context"].(map[string]any)
	if ctxt == nil {
		ctxt = map[string]any{}
	}
	visitor := ""
	if old, ok := ctxt["client"].(map[string]any); ok {
		visitor, _ = old["visitorData"].(string)
	}
	ctxt["client"] = id.clientContext(visitor)
	if id.EmbedURL != "" {
		ctxt["thirdParty"] = map[string]any{"embedUrl": id.EmbedURL}
	}
	body["context"] = ctxt
	data, err = json.Marshal(body)
	if err != nil {
		return t.next.RoundTrip(r)
	}
	if req.Body != nil {
		req.Body.Close()
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	r.ContentLength = int64(len(data))
	r.Header.Set("X-Youtube-Client-Name", strconv.Itoa(id.Number))
	r.Header.Set("X-Youtube-Client-Version", id.Version)
	return t.next.RoundTrip(r)
}
