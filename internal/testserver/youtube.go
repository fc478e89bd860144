package testserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// YouTube is a fake www.youtube.com that answers what
// github.com/kkdai/youtube/v2 v2.10.6 asks for, from files:
//
//	GET  /                     home page with the ytcfg.set visitor data
//	POST /youtubei/v1/player   testdata/youtube/player/<ID>.json (200) or <ID>.http (raw response)
//	GET  /watch?v=ID           a watch page embedding the same player JSON
//	POST /youtubei/v1/browse   testdata/youtube/browse/<playlist ID or continuation token>.json; an unknown
//	                           playlist gets YouTube's "does not exist" alert
//	POST /youtubei/v1/get_transcript
//	                           testdata/youtube/get_transcript/<ID>.<lang>.json, else no actions (youtube_transcript.go)
//	GET  /api/timedtext        testdata/youtube/timedtext/<ID>.<lang>[.asr].<fmt> (with tlang=X: <ID>.<X>.<fmt>), 404 when absent
//	GET  /oembed               oEmbed JSON built from the player file; 401 private, 404 otherwise (youtube_more.go)
//	GET  /youtube/v3/videos    the Data API's videos.list, items built from the player files
//
// An unknown video ID gets 200 with playabilityStatus ERROR "Video
// unavailable", as real YouTube answers. Tests override answers per video
// with Set. Every request is logged (Requests), so a library upgrade that
// changes what is asked shows up as a diff. It is safe for concurrent use.
type YouTube struct {
	dir string

	mu          sync.Mutex
	requests    []YouTubeRequest
	answers     map[string]FakeAnswer
	home        *FakeResponse
	refused     map[string]*FakeResponse // by "CLIENT VERSION" or "CLIENT " (youtube_more.go)
	apiOverride *FakeResponse
}

// YouTubeRequest is one request the fake YouTube received.
type YouTubeRequest struct {
	Method     string
	Path       string
	Query      string // raw query
	VideoID    string // from the player request body (or get_transcript's params), or v= of a watch, timedtext or oEmbed request; the ids of a Data API request
	ClientName string // context.client.clientName of a player (or get_transcript) request
	// ClientVersion is context.client.clientVersion of a player (or
	// get_transcript) request;
	// UserAgent its User-Agent header.
	ClientVersion string
	UserAgent     string
	Cookie        string // the Cookie header, whatever the request
	Via           string // the proxy the request came through (Proxy sets X-Fake-Proxy)
}

// FakeResponse is one canned HTTP answer.
type FakeResponse struct {
	Status int         // 0 means 200
	Header http.Header // Content-Type defaults to JSON for player answers and HTML otherwise
	Body   []byte
	// Delay holds the answer back; the wait ends early when the client
	// gives up.
	Delay time.Duration
	// Hang never answers: the handler returns when the client gives up
	// (or after a minute, so a broken test cannot hang forever).
	Hang bool
}

// FakeAnswer overrides what the fake says about one video. A nil field
// keeps the default. Without a Watch override, the watch page embeds the
// Player override's body when that is a 200 JSON answer, and the video's
// file otherwise.
type FakeAnswer struct {
	Player   *FakeResponse
	Watch    *FakeResponse
	Captions *FakeResponse // every caption (timedtext) request for the video
	OEmbed   *FakeResponse // GET /oembed for the video
	// Transcript is the answer to get_transcript for the video.
	Transcript *FakeResponse
	// API is the video's videos.list item, raw; empty and non-nil leaves
	// it out of the answer (private or removed, as the API says).
	API []byte
}

// ytHangLimit bounds a FakeResponse.Hang.
const ytHangLimit = time.Minute

// ytUnknownVideo is what YouTube answers for an ID that does not exist.
const ytUnknownVideo = `{"responseContext":{"visitorData":"CgtVbmtub3duVmlkZW8%3D"},` +
	`"playabilityStatus":{"status":"ERROR","reason":"Video unavailable",` +
	`"errorScreen":{"playerErrorMessageRenderer":{"reason":{"runs":[{"text":"Video unavailable"}]},` +
	`"icon":{"iconType":"ERROR_OUTLINE"}}},"contextParams":"Q0FBU0FnZ0E="},` +
	`"trackingParams":"CAAQu2kiEwjUnknownVideo"}`

// ytHomePage carries the line kkdai looks for to learn a visitor id: it
// cuts the page at "\nytcfg.set(" and decodes the JSON that follows.
const ytHomePage = `<!DOCTYPE html><html lang="en"><head><title>YouTube</title>
<script nonce="fake">var ytcfg={d:function(){return{}},set:function(){}};</script>
<script nonce="fake">
ytcfg.set({"INNERTUBE_API_KEY":"fake-key","INNERTUBE_CONTEXT":{"client":{"hl":"en","gl":"US","visitorData":"CgtGYWtlVmlzaXRvcijAqp3KBjIKCgJVUxIEGgAgAA%3D%3D","clientName":"WEB","clientVersion":"2.20261120.01.00"}}});
</script></head><body><p>Fake YouTube home page.</p></body></html>
`

// ytScriptEnd would end kkdai's ytInitialPlayerResponse match early.
const ytScriptEnd = "};"

var (
	ytVideoID = regexp.MustCompile(`^[A-Za-z0-9_-]{11}$`)
	ytLang    = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)
	ytFormat  = regexp.MustCompile(`^[a-z0-9]{1,8}$`)
	ytToken   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)
)

// NewYouTube returns a fake YouTube serving the files in dir, the
// testdata/youtube directory. Files are read on every request.
func NewYouTube(dir string) *YouTube {
	return &YouTube{dir: dir, answers: make(map[string]FakeAnswer)}
}

// Set overrides the answers for video id until Reset.
func (y *YouTube) Set(id string, a FakeAnswer) {
	y.mu.Lock()
	defer y.mu.Unlock()
	y.answers[id] = a
}

// SetHome overrides the home page (GET /); nil restores the default.
func (y *YouTube) SetHome(r *FakeResponse) {
	y.mu.Lock()
	defer y.mu.Unlock()
	y.home = r
}

// Requests returns a copy of the log of requests received, oldest first.
func (y *YouTube) Requests() []YouTubeRequest {
	y.mu.Lock()
	defer y.mu.Unlock()
	return append([]YouTubeRequest(nil), y.requests...)
}

// Reset forgets the request log and every override.
func (y *YouTube) Reset() {
	y.mu.Lock()
	defer y.mu.Unlock()
	y.requests = nil
	y.answers = make(map[string]FakeAnswer)
	y.home = nil
	y.refused = nil
	y.apiOverride = nil
}

// ServeHTTP answers one request as YouTube would.
func (y *YouTube) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := YouTubeRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		UserAgent: r.Header.Get("User-Agent"), Cookie: r.Header.Get("Cookie"), Via: r.Header.Get("X-Fake-Proxy")}
	switch {
	case r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		y.log(rec)
		y.mu.Lock()
		home := y.home
		y.mu.Unlock()
		if home == nil {
			home = &FakeResponse{Body: []byte(ytHomePage)}
		}
		ytWrite(w, r, home, "text/html; charset=utf-8")
	case r.URL.Path == "/youtubei/v1/player" && r.Method == http.MethodPost:
		y.servePlayer(w, r, rec)
	case r.URL.Path == "/youtubei/v1/browse" && r.Method == http.MethodPost:
		y.serveBrowse(w, r, rec)
	case r.URL.Path == "/youtubei/v1/get_transcript" && r.Method == http.MethodPost:
		y.serveTranscript(w, r, rec)
	case r.URL.Path == "/watch" && r.Method == http.MethodGet:
		rec.VideoID = r.URL.Query().Get("v")
		y.log(rec)
		ytWrite(w, r, y.watch(rec.VideoID), "text/html; charset=utf-8")
	case r.URL.Path == "/api/timedtext" && r.Method == http.MethodGet:
		rec.VideoID = r.URL.Query().Get("v")
		y.log(rec)
		y.timedtext(w, r)
	case r.URL.Path == "/oembed" && r.Method == http.MethodGet:
		rec.VideoID = y.oembed(w, r)
		y.log(rec)
	case r.URL.Path == "/youtube/v3/videos" && r.Method == http.MethodGet:
		rec.VideoID = y.apiVideos(w, r)
		y.log(rec)
	default:
		y.log(rec)
		http.Error(w, "fake YouTube: nothing at "+r.Method+" "+r.URL.Path, http.StatusNotFound)
	}
}

// invalidJSON is YouTube's answer to a request body it cannot read.
const invalidJSON = `{"error":{"code":400,"message":"Invalid JSON payload received.","status":"INVALID_ARGUMENT"}}`

// innertubeClient is the client identity an innertube request body
// speaks as; the bodies embed it.
type innertubeClient struct {
	Context struct {
		Client struct {
			ClientName    string `json:"clientName"`
			ClientVersion string `json:"clientVersion"`
		} `json:"client"`
	} `json:"context"`
}

// ytJSON is the Content-Type of innertube's answers.
const ytJSON = "application/json; charset=UTF-8"

// admit notes in rec the client identity c speaks as, logs rec, and
// returns YouTube's refusal of that identity, or nil.
func (y *YouTube) admit(rec YouTubeRequest, c innertubeClient) *FakeResponse {
	rec.ClientName, rec.ClientVersion = c.Context.Client.ClientName, c.Context.Client.ClientVersion
	y.log(rec)
	return y.refusal(rec.ClientName, rec.ClientVersion)
}

// readBody decodes the JSON body of r into body. When it cannot, it logs
// rec, answers YouTube's 400 and returns false.
func (y *YouTube) readBody(w http.ResponseWriter, r *http.Request, rec YouTubeRequest, body any) bool {
	data, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(data, body); err != nil {
		y.log(rec)
		http.Error(w, invalidJSON, http.StatusBadRequest)
		return false
	}
	return true
}

// servePlayer answers a player request: the video's player answer, or
// YouTube's refusal of the client identity it speaks as.
func (y *YouTube) servePlayer(w http.ResponseWriter, r *http.Request, rec YouTubeRequest) {
	var body struct {
		VideoID string `json:"videoId"`
		innertubeClient
	}
	if !y.readBody(w, r, rec, &body) {
		return
	}
	rec.VideoID = body.VideoID
	if refused := y.admit(rec, body.innertubeClient); refused != nil {
		ytWrite(w, r, refused, ytJSON)
		return
	}
	ytWrite(w, r, y.player(body.VideoID), ytJSON)
}

// serveBrowse answers a playlist page: the first asked for as "VL" + its
// ID, the next by continuation token; both are files in browse/.
func (y *YouTube) serveBrowse(w http.ResponseWriter, r *http.Request, rec YouTubeRequest) {
	var body struct {
		BrowseID     string `json:"browseId"`
		Continuation string `json:"continuation"`
	}
	if !y.readBody(w, r, rec, &body) {
		return
	}
	name := body.Continuation
	if name == "" {
		name = strings.TrimPrefix(body.BrowseID, "VL")
		rec.VideoID = name
	}
	y.log(rec)
	ytWrite(w, r, y.browse(name), ytJSON)
}

// ytNoPlaylist is what YouTube answers for a playlist that does not exist.
const ytNoPlaylist = `{"responseContext":{},"alerts":[{"alertRenderer":{"type":"ERROR",` +
	`"text":{"runs":[{"text":"The playlist does not exist."}]}}}]}`

// browse is the answer to a browse request for a playlist or a
// continuation token.
func (y *YouTube) browse(name string) *FakeResponse {
	if a := y.override(name); a.Player != nil {
		return a.Player
	}
	if ytToken.MatchString(name) {
		if b, err := os.ReadFile(filepath.Join(y.dir, "browse", name+".json")); err == nil {
			return &FakeResponse{Body: b}
		}
	}
	return &FakeResponse{Body: []byte(ytNoPlaylist)}
}

func (y *YouTube) log(r YouTubeRequest) {
	y.mu.Lock()
	defer y.mu.Unlock()
	y.requests = append(y.requests, r)
}

func (y *YouTube) override(id string) FakeAnswer {
	y.mu.Lock()
	defer y.mu.Unlock()
	return y.answers[id]
}

// player is the answer to a player request for id.
func (y *YouTube) player(id string) *FakeResponse {
	if a := y.override(id); a.Player != nil {
		return a.Player
	}
	return y.fileAnswer(id)
}

// fileAnswer is the answer testdata holds for id: <id>.http as a raw HTTP
// response, <id>.json answered 200, or the unknown-video answer.
func (y *YouTube) fileAnswer(id string) *FakeResponse {
	if !ytVideoID.MatchString(id) {
		return &FakeResponse{Body: []byte(ytUnknownVideo)}
	}
	base := filepath.Join(y.dir, "player", id)
	if raw, err := os.ReadFile(base + ".http"); err == nil {
		resp, err := ytParseRaw(raw)
		if err != nil {
			return &FakeResponse{Status: http.StatusInternalServerError, Body: []byte("fake YouTube: " + err.Error())}
		}
		return resp
	} else if !errors.Is(err, fs.ErrNotExist) {
		return &FakeResponse{Status: http.StatusInternalServerError, Body: []byte("fake YouTube: " + err.Error())}
	}
	data, err := os.ReadFile(base + ".json")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &FakeResponse{Body: []byte(ytUnknownVideo)}
	case err != nil:
		return &FakeResponse{Status: http.StatusInternalServerError, Body: []byte("fake YouTube: " + err.Error())}
	}
	return &FakeResponse{Body: data}
}

// watch is the answer to GET /watch?v=id. kkdai fetches the watch page for
// every playable video (for the publish date) and fails the whole call when
// it lacks ytInitialPlayerResponse, so a JSON answer becomes a page that
// embeds it; any other answer (a block page, an error) is served as is.
func (y *YouTube) watch(id string) *FakeResponse {
	a := y.override(id)
	if a.Watch != nil {
		return a.Watch
	}
	src := a.Player
	if src == nil || (src.Status != 0 && src.Status != http.StatusOK) || !json.Valid(src.Body) {
		src = y.fileAnswer(id)
	}
	if (src.Status != 0 && src.Status != http.StatusOK) || !json.Valid(src.Body) {
		return &FakeResponse{Status: src.Status, Header: src.Header, Body: src.Body}
	}
	page, err := ytWatchPage(src.Body)
	if err != nil {
		return &FakeResponse{Status: http.StatusInternalServerError, Body: []byte("fake YouTube: " + err.Error())}
	}
	return &FakeResponse{Body: page}
}

// ytWatchPage wraps a player JSON in a watch page. kkdai finds it with
// `var ytInitialPlayerResponse\s*=\s*(\{.+?\});`: the JSON must be on one
// line and must not contain "};".
func ytWatchPage(player []byte) ([]byte, error) {
	var compact bytes.Buffer
	if err := json.Compact(&compact, player); err != nil {
		return nil, fmt.Errorf("compact player JSON: %w", err)
	}
	if bytes.Contains(compact.Bytes(), []byte(ytScriptEnd)) {
		return nil, errors.New(`player JSON contains "};", which a watch page cannot embed`)
	}
	var title struct {
		VideoDetails struct {
			Title string `json:"title"`
		} `json:"videoDetails"`
	}
	_ = json.Unmarshal(compact.Bytes(), &title)
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html><html lang=\"en\"><head><title>")
	b.WriteString(strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(title.VideoDetails.Title))
	b.WriteString(" - YouTube</title></head><body>\n<script nonce=\"fake\">var ytInitialPlayerResponse = ")
	b.Write(compact.Bytes())
	b.WriteString(";var meta = document.createElement('meta');</script>\n</body></html>\n")
	return b.Bytes(), nil
}

// timedtext serves a caption file named for the query:
// <v>.<lang>[.asr].<fmt>, where no fmt means the legacy XML (.xml); a
// translation (tlang=X) is <v>.<X>.<fmt>.
func (y *YouTube) timedtext(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id, lang, format := q.Get("v"), q.Get("lang"), q.Get("fmt")
	if format == "" {
		format = "xml"
	}
	tlang := q.Get("tlang")
	if !ytVideoID.MatchString(id) || !ytLang.MatchString(lang) || !ytFormat.MatchString(format) ||
		tlang != "" && !ytLang.MatchString(tlang) {
		http.NotFound(w, r)
		return
	}
	if a := y.override(id); a.Captions != nil {
		ytWrite(w, r, a.Captions, "text/xml; charset=UTF-8")
		return
	}
	name := id + "." + lang
	if q.Get("kind") == "asr" {
		name += ".asr"
	}
	if tlang != "" {
		// A translation: the fake has the target language's file.
		name = id + "." + tlang
	}
	data, err := os.ReadFile(filepath.Join(y.dir, "timedtext", name+"."+format))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ctype := "text/xml; charset=UTF-8"
	if format == "json3" {
		ctype = ytJSON
	}
	w.Header().Set("Content-Type", ctype)
	w.Write(data)
}

// ytParseRaw reads a raw HTTP response: status line, headers, blank line,
// body.
func ytParseRaw(raw []byte) (*FakeResponse, error) {
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
	if err != nil {
		return nil, fmt.Errorf("read raw response: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read raw response body: %w", err)
	}
	h := resp.Header.Clone()
	h.Del("Content-Length") // the body is re-sent as read
	return &FakeResponse{Status: resp.StatusCode, Header: h, Body: body}, nil
}

// ytWrite sends a canned answer after its delay, or hangs until the client
// gives up.
func ytWrite(w http.ResponseWriter, r *http.Request, a *FakeResponse, ctype string) {
	wait := a.Delay
	if a.Hang {
		wait = ytHangLimit
	}
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
		if a.Hang {
			return
		}
	}
	for k, vs := range a.Header {
		w.Header()[k] = append([]string(nil), vs...)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", ctype)
	}
	status := a.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(a.Body)
	}
}
