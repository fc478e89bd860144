package youtube

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// playerResponse is the part of an innertube player answer (or of a watch
// page's ytInitialPlayerResponse) that kkdai does not keep and we need.
type playerResponse struct {
	PlayabilityStatus struct {
		Status          string      `json:"status"`
		Reason          string      `json:"reason"`
		PlayableInEmbed bool        `json:"playableInEmbed"`
		Messages        []string    `json:"messages"`
		ReasonTitle     string      `json:"reasonTitle"`
		AgeGateReason   int         `json:"desktopLegacyAgeGateReason"`
		ErrorScreen     errorScreen `json:"errorScreen"`
	} `json:"playabilityStatus"`
	StreamingData *struct {
		Formats         []json.RawMessage `json:"formats"`
		AdaptiveFormats []json.RawMessage `json:"adaptiveFormats"`
	} `json:"streamingData"`
	VideoDetails *struct {
		VideoID          string   `json:"videoId"`
		Title            string   `json:"title"`
		LengthSeconds    string   `json:"lengthSeconds"`
		Keywords         []string `json:"keywords"`
		ChannelID        string   `json:"channelId"`
		ShortDescription string   `json:"shortDescription"`
		Thumbnail        struct {
			Thumbnails []thumbnail `json:"thumbnails"`
		} `json:"thumbnail"`
		ViewCount     string `json:"viewCount"`
		Author        string `json:"author"`
		IsLive        bool   `json:"isLive"`
		IsLiveContent bool   `json:"isLiveContent"`
		IsUpcoming    bool   `json:"isUpcoming"`
	} `json:"videoDetails"`
	Microformat struct {
		Renderer *struct {
			Title             text   `json:"title"`
			Description       text   `json:"description"`
			LengthSeconds     string `json:"lengthSeconds"`
			OwnerProfileURL   string `json:"ownerProfileUrl"`
			ExternalChannelID string `json:"externalChannelId"`
			ViewCount         string `json:"viewCount"`
			Category          string `json:"category"`
			PublishDate       string `json:"publishDate"`
			UploadDate        string `json:"uploadDate"`
			OwnerChannelName  string `json:"ownerChannelName"`
			LiveBroadcast     struct {
				IsLiveNow bool `json:"isLiveNow"`
			} `json:"liveBroadcastDetails"`
		} `json:"playerMicroformatRenderer"`
	} `json:"microformat"`
}

// errorScreen holds the texts YouTube shows instead of the player.
type errorScreen struct {
	PlayerError *struct {
		Reason    text `json:"reason"`
		Subreason text `json:"subreason"`
	} `json:"playerErrorMessageRenderer"`
	ConfirmDialog *struct {
		Title          text   `json:"title"`
		DialogMessages []text `json:"dialogMessages"`
	} `json:"confirmDialogRenderer"`
}

// reason is the error screen's main text.
func (e errorScreen) reason() string {
	if e.PlayerError != nil {
		return e.PlayerError.Reason.String()
	}
	if e.ConfirmDialog != nil && len(e.ConfirmDialog.DialogMessages) > 0 {
		return e.ConfirmDialog.DialogMessages[0].String()
	}
	return ""
}

// text is YouTube's formatted string: {"simpleText": "..."} or
// {"runs": [{"text": "..."}, ...]}. App clients send runs, which kkdai
// does not read.
type text struct {
	SimpleText string `json:"simpleText"`
	Runs       []struct {
		Text string `json:"text"`
	} `json:"runs"`
}

func (t text) String() string {
	if t.SimpleText != "" {
		return t.SimpleText
	}
	var b strings.Builder
	for _, r := range t.Runs {
		b.WriteString(r.Text)
	}
	return b.String()
}

type thumbnail struct {
	URL    string `json:"url"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// hasFormats reports whether the answer lists any stream.
func (p *playerResponse) hasFormats() bool {
	return p.StreamingData != nil && len(p.StreamingData.Formats)+len(p.StreamingData.AdaptiveFormats) > 0
}

// parsePlayer decodes a player answer. It fails on anything that is not a
// JSON object: a captcha or consent page served where JSON was expected.
func parsePlayer(body []byte) (*playerResponse, error) {
	var p playerResponse
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// initialPlayerResponse is kkdai's pattern for the player JSON in a watch
// page (video.go), so that we see the page as kkdai does.
var initialPlayerResponse = regexp.MustCompile(`var ytInitialPlayerResponse\s*=\s*(\{.+?\});`)

// watchPlayer extracts and decodes the player JSON of a watch page. ok is
// false when the page has none: then it is no watch page at all.
func watchPlayer(page []byte) (p *playerResponse, ok bool) {
	m := initialPlayerResponse.FindSubmatch(page)
	if m == nil {
		return nil, false
	}
	p, err := parsePlayer(m[1])
	if err != nil {
		return nil, true
	}
	return p, true
}

// parseDate reads a microformat date: RFC 3339, or a bare date (which
// kkdai drops) taken as midnight UTC.
func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC()
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t
	}
	return time.Time{}
}

// atoi64 reads a decimal count; anything else is 0.
func atoi64(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// handleFromProfile returns the @handle of an ownerProfileUrl
// ("http://www.youtube.com/@examplenews" -> "@examplenews"). Legacy
// /user/NAME and /channel/ID URLs name no handle and give "".
func handleFromProfile(profile string) string {
	i := strings.Index(profile, "/@")
	if i < 0 {
		return ""
	}
	h := profile[i+1:]
	if j := strings.IndexAny(h, "/?#"); j >= 0 {
		h = h[:j]
	}
	if len(h) < 2 {
		return ""
	}
	return h
}

// fillFromAnswer fills v from what YouTube said, also when it will not
// play the video but still describes it (upcoming, age-gated,
// members-only): the player answer first, then the watch page.
func fillFromAnswer(v *harvest.Video, a Answer) {
	var sources []*playerResponse
	for _, ex := range a.Player {
		if ex.Status == http.StatusOK && !ex.Truncated {
			if p, err := parsePlayer(ex.Body); err == nil {
				sources = append(sources, p)
			}
		}
	}
	for _, ex := range a.Watch {
		if ex.Status == http.StatusOK {
			if p, _ := watchPlayer(ex.Body); p != nil {
				sources = append(sources, p)
			}
		}
	}
	for _, p := range sources {
		fill(v, p)
	}
}

// fill sets the fields of v that are still zero from one player answer.
func fill(v *harvest.Video, p *playerResponse) {
	if d := p.VideoDetails; d != nil {
		setString(&v.Title, d.Title)
		setString(&v.Description, d.ShortDescription)
		setString(&v.ChannelTitle, d.Author)
		setString(&v.ChannelID, d.ChannelID)
		if v.Duration == 0 {
			v.Duration = time.Duration(atoi64(d.LengthSeconds)) * time.Second
		}
		if v.ViewCount == 0 {
			v.ViewCount = atoi64(d.ViewCount)
		}
		if v.ThumbnailURL == "" {
			best := -1
			for _, t := range d.Thumbnail.Thumbnails {
				if t.Width*t.Height > best {
					best, v.ThumbnailURL = t.Width*t.Height, t.URL
				}
			}
		}
		if len(v.Keywords) == 0 && len(d.Keywords) > 0 {
			v.Keywords = append([]string(nil), d.Keywords...)
		}
		v.IsLive = v.IsLive || d.IsLive
		v.IsUpcoming = v.IsUpcoming || d.IsUpcoming
	}
	if m := p.Microformat.Renderer; m != nil {
		setString(&v.Title, m.Title.String())
		setString(&v.Description, m.Description.String())
		setString(&v.ChannelTitle, m.OwnerChannelName)
		setString(&v.ChannelID, m.ExternalChannelID)
		setString(&v.ChannelHandle, handleFromProfile(m.OwnerProfileURL))
		setString(&v.Category, m.Category)
		if v.Duration == 0 {
			v.Duration = time.Duration(atoi64(m.LengthSeconds)) * time.Second
		}
		if v.ViewCount == 0 {
			v.ViewCount = atoi64(m.ViewCount)
		}
		if v.PublishedAt.IsZero() {
			v.PublishedAt = parseDate(m.PublishDate)
		}
		if v.PublishedAt.IsZero() {
			v.PublishedAt = parseDate(m.UploadDate)
		}
		v.IsLive = v.IsLive || m.LiveBroadcast.IsLiveNow
	}
}
