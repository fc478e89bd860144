package testserver

import (
	"encoding/json"
	"fmt"
	htmlpkg "html"
	"net/http"
	"net/url"
	"strings"
)

// What the fake YouTube serves besides kkdai's requests: oEmbed, the Data
// API's videos.list, and YouTube's refusal of retired client identities.

// RefusedPrecondition is YouTube's answer to a player request from a
// client version it no longer accepts (HTTP 400), as quoted from a real
// answer in ../shared/corpus/youtube/synthetic.
const RefusedPrecondition = `{ "error": { "code": 400, "message": "Precondition check failed.", "errors": [ { "message": "Precondition check failed.", "domain": "global", "reason": "failedPrecondition" } ], "status": "FAILED_PRECONDITION" } }`

// RefusedNewerAndroid is the other way YouTube turns an old app away: a
// 200 answer whose playability says to update.
const RefusedNewerAndroid = `{"responseContext":{},"playabilityStatus":{"status":"UNPLAYABLE","reason":"This video can only be played on newer versions of Android or other supported devices.","playableInEmbed":false}}`

// RefuseClient makes every player request from client (a clientName:
// "ANDROID"; with version, only that clientVersion) get r instead of the
// video's answer; nil r is YouTube's 400 FAILED_PRECONDITION. Reset
// forgets it.
func (y *YouTube) RefuseClient(client, version string, r *FakeResponse) {
	if r == nil {
		r = &FakeResponse{Status: http.StatusBadRequest, Body: []byte(RefusedPrecondition)}
	}
	y.mu.Lock()
	defer y.mu.Unlock()
	if y.refused == nil {
		y.refused = make(map[string]*FakeResponse)
	}
	y.refused[client+" "+version] = r
}

// refusal is the answer for a refused identity, or nil.
func (y *YouTube) refusal(client, version string) *FakeResponse {
	y.mu.Lock()
	defer y.mu.Unlock()
	if r := y.refused[client+" "+version]; r != nil {
		return r
	}
	return y.refused[client+" "]
}

// SetAPI makes the Data API answer r to every request (a quota error, an
// invalid key); nil restores normal answers.
func (y *YouTube) SetAPI(r *FakeResponse) {
	y.mu.Lock()
	defer y.mu.Unlock()
	y.apiOverride = r
}

// APIQuotaExceeded is the Data API's answer once a key's daily quota is
// spent (HTTP 403).
const APIQuotaExceeded = `{"error":{"code":403,"message":"The request cannot be completed because you have exceeded your \u003ca href=\"/youtube/v3/getting-started#quota\"\u003equota\u003c/a\u003e.","errors":[{"message":"The request cannot be completed because you have exceeded your \u003ca href=\"/youtube/v3/getting-started#quota\"\u003equota\u003c/a\u003e.","domain":"youtube.quota","reason":"quotaExceeded"}]}}`

// APIKeyInvalid is the Data API's answer to a key it does not know (HTTP 400).
const APIKeyInvalid = `{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","errors":[{"message":"API key not valid. Please pass a valid API key.","domain":"global","reason":"badRequest"}],"status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com","metadata":{"service":"youtube.googleapis.com"}}]}}`

// fileVideo is what a player file says of a video, for oEmbed and the
// Data API: nil when it describes none (unknown, removed, private, a
// block).
type fileVideo struct {
	PlayabilityStatus struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	} `json:"playabilityStatus"`
	VideoDetails *struct {
		Title            string   `json:"title"`
		LengthSeconds    string   `json:"lengthSeconds"`
		Keywords         []string `json:"keywords"`
		ChannelID        string   `json:"channelId"`
		ShortDescription string   `json:"shortDescription"`
		ViewCount        string   `json:"viewCount"`
		Author           string   `json:"author"`
		IsLive           bool     `json:"isLive"`
		IsUpcoming       bool     `json:"isUpcoming"`
	} `json:"videoDetails"`
	Captions    json.RawMessage `json:"captions"`
	Microformat struct {
		R *struct {
			OwnerProfileURL string `json:"ownerProfileUrl"`
			PublishDate     string `json:"publishDate"`
		} `json:"playerMicroformatRenderer"`
	} `json:"microformat"`
}

// describedVideo reads id's player file (never an override: a blocked
// player does not block oEmbed or the API).
func (y *YouTube) describedVideo(id string) *fileVideo {
	a := y.fileAnswer(id)
	if a.Status != 0 && a.Status != http.StatusOK {
		return nil
	}
	var v fileVideo
	if json.Unmarshal(a.Body, &v) != nil || v.VideoDetails == nil {
		return nil
	}
	switch v.PlayabilityStatus.Status {
	case "ERROR":
		return nil
	case "LOGIN_REQUIRED":
		if strings.Contains(strings.ToLower(v.PlayabilityStatus.Reason), "private") ||
			strings.Contains(strings.ToLower(v.PlayabilityStatus.Reason), "not a bot") {
			return nil
		}
	}
	return &v
}

// oembed answers GET /oembed?url=…&format=json as YouTube does: the JSON
// of oscarotero/Embed's 2024 recording for a video it knows, 401
// Unauthorized for a private one, 404 Not Found otherwise.
func (y *YouTube) oembed(w http.ResponseWriter, r *http.Request) string {
	u, err := url.Parse(r.URL.Query().Get("url"))
	if err != nil {
		http.Error(w, "Bad Request", http.StatusBadRequest)
		return ""
	}
	id := u.Query().Get("v")
	if a := y.override(id); a.OEmbed != nil {
		ytWrite(w, r, a.OEmbed, "application/json")
		return id
	}
	if !ytVideoID.MatchString(id) {
		http.Error(w, "Bad Request", http.StatusBadRequest)
		return id
	}
	v := y.describedVideo(id)
	if v == nil {
		var raw fileVideo
		_ = json.Unmarshal(y.fileAnswer(id).Body, &raw)
		if strings.Contains(strings.ToLower(raw.PlayabilityStatus.Reason), "private") {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return id
		}
		http.Error(w, "Not Found", http.StatusNotFound)
		return id
	}
	author := "https://www.youtube.com/channel/" + v.VideoDetails.ChannelID
	if m := v.Microformat.R; m != nil && m.OwnerProfileURL != "" {
		author = strings.Replace(m.OwnerProfileURL, "http://", "https://", 1)
	}
	title := v.VideoDetails.Title
	body, _ := json.Marshal(map[string]any{
		"title": title, "author_name": v.VideoDetails.Author, "author_url": author, "type": "video",
		"height": 113, "width": 200, "version": "1.0", "provider_name": "YouTube", "provider_url": "https://www.youtube.com/",
		"thumbnail_height": 360, "thumbnail_width": 480, "thumbnail_url": "https://i.ytimg.com/vi/" + id + "/hqdefault.jpg",
		"html": `<iframe width="200" height="113" src="https://www.youtube.com/embed/` + id + `?feature=oembed" frameborder="0" allow="accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; picture-in-picture; web-share" referrerpolicy="strict-origin-when-cross-origin" allowfullscreen title="` + htmlpkg.EscapeString(title) + `"></iframe>`,
	})
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
	return id
}

// apiVideos answers GET /youtube/v3/videos (videos.list) with the
// Data API's shapes (https://developers.google.com/youtube/v3/docs/videos):
// an item for each video the player files describe (age-gated ones with
// contentRating.ytRating, live and upcoming ones with
// liveStreamingDetails), none for private, removed or unknown ones. A key
// is required; "bad-key" is refused.
func (y *YouTube) apiVideos(w http.ResponseWriter, r *http.Request) string {
	q := r.URL.Query()
	y.mu.Lock()
	override := y.apiOverride
	y.mu.Unlock()
	ids := q.Get("id")
	switch {
	case override != nil:
		ytWrite(w, r, override, ytJSON)
		return ids
	case q.Get("key") == "" || q.Get("key") == "bad-key":
		w.Header().Set("Content-Type", ytJSON)
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(APIKeyInvalid))
		return ids
	}
	var items []map[string]any
	for _, id := range strings.Split(ids, ",") {
		if a := y.override(id); a.API != nil {
			if len(a.API) > 0 {
				items = append(items, map[string]any{"raw": json.RawMessage(a.API)})
			}
			continue
		}
		if v := y.describedVideo(id); v != nil {
			items = append(items, apiItem(id, v))
		}
	}
	out := make([]json.RawMessage, 0, len(items))
	for _, it := range items {
		if raw, ok := it["raw"].(json.RawMessage); ok {
			out = append(out, raw)
			continue
		}
		b, _ := json.Marshal(it)
		out = append(out, b)
	}
	body, _ := json.Marshal(map[string]any{"kind": "youtube#videoListResponse", "etag": "fake-etag", "items": out,
		"pageInfo": map[string]int{"totalResults": len(out), "resultsPerPage": len(out)}})
	w.Header().Set("Content-Type", ytJSON)
	w.Write(body)
	return ids
}

// apiItem is a videos.list item for a video a player file describes.
func apiItem(id string, v *fileVideo) map[string]any {
	d := v.VideoDetails
	published := ""
	if m := v.Microformat.R; m != nil {
		published = m.PublishDate
		if len(published) == len("2006-01-02") {
			published += "T00:00:00Z"
		}
	}
	live := "none"
	switch {
	case d.IsLive:
		live = "live"
	case d.IsUpcoming || v.PlayabilityStatus.Status == "LIVE_STREAM_OFFLINE":
		live = "upcoming"
	}
	rating := map[string]any{}
	if v.PlayabilityStatus.Status == "LOGIN_REQUIRED" {
		rating["ytRating"] = "ytAgeRestricted"
	}
	secs := 0
	fmt.Sscan(d.LengthSeconds, &secs)
	caption := "false"
	if len(v.Captions) > 0 {
		caption = "true"
	}
	item := map[string]any{
		"kind": "youtube#video", "etag": "fake-" + id, "id": id,
		"snippet": map[string]any{
			"publishedAt": published, "channelId": d.ChannelID, "title": d.Title, "description": d.ShortDescription,
			"thumbnails": map[string]any{
				"default": map[string]any{"url": "https://i.ytimg.com/vi/" + id + "/default.jpg", "width": 120, "height": 90},
				"high":    map[string]any{"url": "https://i.ytimg.com/vi/" + id + "/hqdefault.jpg", "width": 480, "height": 360},
			},
			"channelTitle": d.Author, "tags": d.Keywords, "categoryId": "25", "liveBroadcastContent": live,
			"localized": map[string]any{"title": d.Title, "description": d.ShortDescription},
		},
		"contentDetails": map[string]any{
			"duration": fmt.Sprintf("PT%dM%dS", secs/60, secs%60), "dimension": "2d", "definition": "hd",
			"caption": caption, "licensedContent": false, "contentRating": rating, "projection": "rectangular",
		},
		"status": map[string]any{"uploadStatus": "processed", "privacyStatus": "public", "license": "youtube",
			"embeddable": true, "publicStatsViewable": true, "madeForKids": false},
		"statistics": map[string]any{"viewCount": d.ViewCount, "likeCount": "0", "favoriteCount": "0", "commentCount": "0"},
	}
	switch live {
	case "live":
		item["liveStreamingDetails"] = map[string]any{"actualStartTime": published, "concurrentViewers": "1200"}
	case "upcoming":
		item["liveStreamingDetails"] = map[string]any{"scheduledStartTime": "2026-11-25T15:00:00Z"}
	}
	return item
}
