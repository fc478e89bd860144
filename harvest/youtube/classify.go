package youtube

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/harvestdev/ytharvest/harvest"
)

// Answer is everything YouTube said during one metadata fetch, as the
// transport captured it, and what kkdai made of it.
type Answer struct {
	Home   []Exchange // GET https://www.youtube.com (visitor id), when the client needed one
	Player []Exchange // POST /youtubei/v1/player: kkdai's default client, then any embedded retry
	Watch  []Exchange // GET /watch?v=ID
	Browse []Exchange // POST /youtubei/v1/browse: a playlist's pages
	Err    error      // what kkdai returned
}

// Classify decides what an Answer says about a video: a status and the
// reason to store with it (YouTube's own text where there is one, else a
// short description of what went wrong). It looks at the raw answers, not
// at kkdai's error alone, because kkdai reports the bot check as "can't
// bypass age restriction" and drops the reasons.
//
// In order: a block anywhere (HTTP 429; a redirect to the consent or
// "sorry" pages; a captcha or consent page where JSON or a watch page was
// expected; LOGIN_REQUIRED "…not a bot") makes the answer blocked, so a
// block is never taken for a fact about the video. Then the first player
// answer (kkdai's default client) decides by playabilityStatus: OK is ok,
// LOGIN_REQUIRED is private or age_restricted by its reason, ERROR is
// removed, LIVE_STREAM_OFFLINE (or videoDetails.isUpcoming) is
// live_upcoming, UNPLAYABLE and CUSTOM are unplayable. Anything else —
// network errors, timeouts, HTTP errors, malformed answers, a
// LOGIN_REQUIRED we cannot read — is error.
func Classify(a Answer) (harvest.VideoStatus, string) {
	if reason, ok := blocked(a); ok {
		return harvest.VideoBlocked, reason
	}
	if len(a.Player) == 0 {
		// kkdai never got to ask for the video: the visitor-id request
		// failed, or the player request could not be built.
		if a.Err == nil {
			return harvest.VideoError, "no player answer"
		}
		if len(a.Home) > 0 {
			if r := failure("home page", a.Home[len(a.Home)-1]); r != "" {
				return harvest.VideoError, r
			}
		}
		return harvest.VideoError, describe(a.Err)
	}
	first := a.Player[0]
	if r := failure("player", first); r != "" {
		return harvest.VideoError, r
	}
	p, err := parsePlayer(first.Body)
	if err != nil {
		return harvest.VideoError, "malformed player answer: " + shorten(err.Error())
	}
	ps := p.PlayabilityStatus
	reason := ps.Reason
	if reason == "" {
		reason = ps.ErrorScreen.reason()
	}
	upcoming := p.VideoDetails != nil && p.VideoDetails.IsUpcoming
	switch ps.Status {
	case "OK":
		if upcoming {
			return harvest.VideoLiveUpcoming, orDefault(reason, "upcoming")
		}
		return okOrWatchFailure(a, p)
	case "LOGIN_REQUIRED":
		switch {
		case isPrivate(reason) || isPrivate(strings.Join(ps.Messages, " ")):
			return harvest.VideoPrivate, orDefault(reason, "This video is private")
		case isAgeGate(reason) || isAgeGate(ps.ReasonTitle) || ps.AgeGateReason > 0:
			return harvest.VideoAgeRestricted, orDefault(reason, ps.ReasonTitle)
		}
		return harvest.VideoError, "login required: " + orDefault(reason, "no reason given")
	case "AGE_CHECK_REQUIRED", "AGE_VERIFICATION_REQUIRED":
		return harvest.VideoAgeRestricted, orDefault(reason, ps.Status)
	case "ERROR":
		return harvest.VideoRemoved, orDefault(reason, "Video unavailable")
	case "LIVE_STREAM_OFFLINE":
		return harvest.VideoLiveUpcoming, orDefault(reason, "upcoming")
	case "UNPLAYABLE", "CUSTOM", "CONTENT_CHECK_REQUIRED":
		switch {
		case upcoming:
			return harvest.VideoLiveUpcoming, orDefault(reason, "upcoming")
		case isAgeGate(reason):
			return harvest.VideoAgeRestricted, reason
		}
		return harvest.VideoUnplayable, orDefault(reason, ps.Status)
	case "":
		return harvest.VideoError, "player answer without playabilityStatus"
	}
	return harvest.VideoError, fmt.Sprintf("unknown playability status %s: %s", ps.Status, orDefault(reason, "no reason given"))
}

// okOrWatchFailure classifies a player answer with status OK. kkdai then
// fetches the watch page (for the publish date only) and fails the whole
// call if that fails; a failure there is our failure, not the video's.
// kkdai also fails an OK answer without streams ("no formats found"), as
// for some live streams, but we want metadata, not streams: that is ok.
func okOrWatchFailure(a Answer, p *playerResponse) (harvest.VideoStatus, string) {
	if a.Err == nil || !p.hasFormats() {
		return harvest.VideoOK, ""
	}
	if len(a.Watch) == 0 {
		return harvest.VideoError, describe(a.Err)
	}
	w := a.Watch[len(a.Watch)-1]
	if r := failure("watch page", w); r != "" {
		return harvest.VideoError, r
	}
	wp, ok := watchPlayer(w.Body)
	switch {
	case !ok:
		return harvest.VideoError, "watch page without ytInitialPlayerResponse"
	case wp == nil:
		return harvest.VideoError, "watch page: malformed ytInitialPlayerResponse"
	case wp.PlayabilityStatus.Status != "OK":
		return harvest.VideoError, fmt.Sprintf("player said OK, watch page said %s: %s",
			wp.PlayabilityStatus.Status, orDefault(wp.PlayabilityStatus.Reason, "no reason given"))
	}
	return harvest.VideoError, describe(a.Err)
}

// blocked reports whether YouTube refused to answer us anywhere in a, and
// why.
func blocked(a Answer) (string, bool) {
	for _, group := range []struct {
		what string
		exs  []Exchange
	}{{"home page", a.Home}, {"player", a.Player}, {"watch page", a.Watch}} {
		for _, ex := range group.exs {
			if ex.Status == http.StatusTooManyRequests {
				return group.what + ": " + harvest.HTTPStatusText(ex.Status), true
			}
			if isRedirect(ex.Status) {
				if r := blockRedirect(ex.Location); r != "" {
					return group.what + ": " + r, true
				}
			}
		}
	}
	for _, ex := range a.Player {
		if ex.Status != http.StatusOK {
			continue
		}
		p, err := parsePlayer(ex.Body)
		if err != nil {
			if r := blockPage(ex.Body); r != "" {
				return r + " instead of the player answer", true
			}
			continue
		}
		if r := botCheck(p); r != "" {
			return r, true
		}
	}
	for _, ex := range a.Watch {
		if ex.Status != http.StatusOK {
			continue
		}
		p, ok := watchPlayer(ex.Body)
		if !ok {
			if r := blockPage(ex.Body); r != "" {
				return r + " instead of the watch page", true
			}
			continue
		}
		if p != nil {
			if r := botCheck(p); r != "" {
				return r, true
			}
		}
	}
	// A consent or captcha home page does not stop kkdai (it goes on
	// without a visitor id), so it counts only when nothing else came.
	if a.Err != nil && len(a.Player) == 0 {
		for _, ex := range a.Home {
			if ex.Status == http.StatusOK {
				if r := blockPage(ex.Body); r != "" {
					return r + " instead of the home page", true
				}
			}
		}
	}
	return "", false
}

// botCheck returns the reason of a "confirm you're not a bot" answer. It
// is LOGIN_REQUIRED, like an age gate, so only the reason tells them
// apart. The top-level reason decides; the error screen's is read only
// when there is none (jdepoix's youtube_unplayable recording pairs a
// CUSTOM status with a bot-check error screen, and is not a block).
func botCheck(p *playerResponse) string {
	ps := p.PlayabilityStatus
	if ps.Status != "LOGIN_REQUIRED" {
		return ""
	}
	reason := ps.Reason
	if reason == "" {
		reason = ps.ErrorScreen.reason()
	}
	if isBotCheck(reason) {
		return reason
	}
	return ""
}

func isBotCheck(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "not a bot") || strings.Contains(s, "not a robot")
}

func isPrivate(s string) bool {
	return strings.Contains(strings.ToLower(s), "private")
}

func isAgeGate(s string) bool {
	s = strings.ToLower(s)
	for _, k := range []string{"inappropriate for some users", "confirm your age", "age-restricted", "age restricted", "age verification"} {
		if strings.Contains(s, k) {
			return true
		}
	}
	return false
}

// blockPage recognises the pages Google serves instead of what was asked
// for when it blocks a client: the EU consent interstitial and the
// "unusual traffic" captcha. Only call it on bodies that are not what was
// expected: real watch pages mention recaptcha and consent.youtube.com too.
func blockPage(body []byte) string {
	lower := bytes.ToLower(body)
	switch {
	case bytes.Contains(lower, []byte(`action="https://consent.youtube.com`)),
		bytes.Contains(lower, []byte(`action="https://consent.google.com`)):
		return "consent page"
	case bytes.Contains(lower, []byte("g-recaptcha")),
		bytes.Contains(lower, []byte("/das_captcha")),
		bytes.Contains(lower, []byte("unusual traffic")),
		bytes.Contains(lower, []byte("google.com/sorry")):
		return "captcha page"
	}
	return ""
}

// blockRedirect describes a redirect to a consent or captcha page, or "".
func blockRedirect(location string) string {
	u, err := url.Parse(location)
	if err != nil {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case strings.HasPrefix(host, "consent."):
		return "redirected to the consent page"
	case strings.HasSuffix(host, "google.com") && strings.HasPrefix(u.Path, "/sorry"):
		return "redirected to the captcha page"
	}
	return ""
}

func isRedirect(status int) bool {
	return status >= 300 && status < 400
}

// failure describes an exchange that brought no usable answer, or "".
func failure(what string, ex Exchange) string {
	switch {
	case ex.Err != nil:
		return what + ": " + describe(ex.Err)
	case ex.Status != http.StatusOK:
		return what + ": " + harvest.HTTPStatusText(ex.Status)
	case ex.Truncated:
		return fmt.Sprintf("%s: answer larger than %d bytes", what, maxCapture)
	}
	return ""
}

// describe is a short text for one of our errors: the last part of a
// url.Error, and "timed out" for any kind of timeout.
func describe(err error) string {
	var ue *url.Error
	var ne net.Error
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	case errors.As(err, &ue):
		return shorten(ue.Err.Error())
	}
	return shorten(err.Error())
}

// shorten keeps a reason to a sensible length.
func shorten(s string) string {
	const limit = 200
	if len(s) <= limit {
		return s
	}
	return strings.ToValidUTF8(s[:limit], "") + "…"
}

func orDefault(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// Refusal reports whether YouTube refused the client identity of a player
// request, rather than answering about the video, and why: HTTP 400
// FAILED_PRECONDITION ("Precondition check failed"), which YouTube
// answers to client versions it retired, or a playability reason telling
// the app to update ("This video can only be played on newer versions of
// Android or other supported devices", "The following content is not
// available on this app"). Such an answer says nothing about the video:
// the Source asks again as the next identity.
func Refusal(a Answer) (string, bool) {
	for _, ex := range a.Player {
		switch ex.Status {
		case http.StatusBadRequest:
			var e struct {
				Error struct {
					Message string `json:"message"`
					Status  string `json:"status"`
				} `json:"error"`
			}
			_ = json.Unmarshal(ex.Body, &e)
			if e.Error.Status == "FAILED_PRECONDITION" || bytes.Contains(bytes.ToLower(ex.Body), []byte("precondition check failed")) {
				return strings.TrimSpace("HTTP 400 FAILED_PRECONDITION: " + orDefault(e.Error.Message, "Precondition check failed.")), true
			}
		case http.StatusOK:
			p, err := parsePlayer(ex.Body)
			if err != nil {
				continue
			}
			ps := p.PlayabilityStatus
			texts := append([]string{ps.Reason, ps.ErrorScreen.reason()}, ps.Messages...)
			if ps.ErrorScreen.PlayerError != nil {
				texts = append(texts, ps.ErrorScreen.PlayerError.Subreason.String())
			}
			for _, t := range texts {
				if isRetiredClient(t) {
					return t, true
				}
			}
		}
	}
	return "", false
}

// isRetiredClient recognises the reasons YouTube gives an app it no
// longer serves.
func isRetiredClient(s string) bool {
	s = strings.ToLower(s)
	for _, k := range []string{"newer versions of android", "newer version of youtube", "not available on this app",
		"latest version of youtube", "update the youtube app", "update your app"} {
		if strings.Contains(s, k) {
			return true
		}
	}
	return false
}
