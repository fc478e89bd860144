package youtube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	kkdai "github.com/kkdai/youtube/v2"

	"github.com/harvestdev/ytharvest/harvest"
)

// ok200 is a 200 answer with body.
func ok200(body string) Exchange { return Exchange{Status: http.StatusOK, Body: []byte(body)} }

func watchPage(player string) string {
	return "<html><script>var ytInitialPlayerResponse = " + player + ";var meta = 1;</script></html>"
}

const (
	playerOK        = `{"playabilityStatus":{"status":"OK","playableInEmbed":true},"streamingData":{"formats":[{"itag":18,"url":"https://x"}]},"videoDetails":{"videoId":"H7xQm2Lp9sA","title":"T"}}`
	playerOKNoFmt   = `{"playabilityStatus":{"status":"OK","playableInEmbed":true},"videoDetails":{"videoId":"H7xQm2Lp9sA","title":"T","isLive":true}}`
	playerBot       = `{"playabilityStatus":{"status":"LOGIN_REQUIRED","reason":"Sign in to confirm you’re not a bot"}}`
	playerBotScreen = `{"playabilityStatus":{"status":"LOGIN_REQUIRED","errorScreen":{"playerErrorMessageRenderer":{"reason":{"runs":[{"text":"Sign in to confirm you’re not a bot"}]}}}}}`
	playerAge       = `{"playabilityStatus":{"status":"LOGIN_REQUIRED","reason":"This video may be inappropriate for some users.","desktopLegacyAgeGateReason":1}}`
	playerAgeWatch  = `{"playabilityStatus":{"status":"LOGIN_REQUIRED","reason":"Sign in to confirm your age"}}`
	playerAgeGate   = `{"playabilityStatus":{"status":"LOGIN_REQUIRED","reason":"Sign in","desktopLegacyAgeGateReason":1}}`
	playerPrivate   = `{"playabilityStatus":{"status":"LOGIN_REQUIRED","reason":"This video is private."}}`
	playerPrivate2  = `{"playabilityStatus":{"status":"LOGIN_REQUIRED","reason":"Private video","messages":["Sign in if you've been granted access to this video"]}}`
	playerLogin     = `{"playabilityStatus":{"status":"LOGIN_REQUIRED","reason":"Please sign in"}}`
	playerRemoved   = `{"playabilityStatus":{"status":"ERROR","reason":"This video has been removed by the uploader"}}`
	playerErrScreen = `{"playabilityStatus":{"status":"ERROR","errorScreen":{"playerErrorMessageRenderer":{"reason":{"simpleText":"This video is no longer available because the YouTube account associated with this video has been terminated."}}}}}`
	playerRegion    = `{"playabilityStatus":{"status":"UNPLAYABLE","reason":"The uploader has not made this video available in your country","playableInEmbed":true}}`
	playerCustom    = `{"playabilityStatus":{"status":"CUSTOM","reason":"Custom Reason","errorScreen":{"playerErrorMessageRenderer":{"reason":{"runs":[{"text":"Sign in to confirm you’re not a bot"}]}}}}}`
	playerOffline   = `{"playabilityStatus":{"status":"LIVE_STREAM_OFFLINE","reason":"This live event will begin in 3 days.","playableInEmbed":true}}`
	playerUpcoming  = `{"playabilityStatus":{"status":"OK"},"streamingData":{"formats":[{"itag":18}]},"videoDetails":{"isUpcoming":true}}`
	playerUnplAge   = `{"playabilityStatus":{"status":"UNPLAYABLE","reason":"Sign in to confirm your age"}}`
	playerNoStatus  = `{"responseContext":{}}`
	playerOddStatus = `{"playabilityStatus":{"status":"SOMETHING_NEW","reason":"New reason"}}`
	consentHTML     = `<html><form action="https://consent.youtube.com/s" method="POST"></form></html>`
	captchaHTML     = `<html><div class="g-recaptcha"></div> unusual traffic</html>`
)

// errWatch is the kind of error kkdai returns when the watch page fails.
var errWatch = errors.New("no ytInitialPlayerResponse found in the server's answer")

func classifyCases() []struct {
	name   string
	a      Answer
	status harvest.VideoStatus
	reason string
} {
	timeout := &url.Error{Op: "Post", URL: "https://www.youtube.com/youtubei/v1/player", Err: context.DeadlineExceeded}
	return []struct {
		name   string
		a      Answer
		status harvest.VideoStatus
		reason string
	}{
		{"ok", Answer{Player: []Exchange{ok200(playerOK)}, Watch: []Exchange{ok200(watchPage(playerOK))}}, harvest.VideoOK, ""},
		{"ok without formats", Answer{Player: []Exchange{ok200(playerOKNoFmt)}, Err: errors.New("no formats found in the server's answer")}, harvest.VideoOK, ""},
		{"ok, consent home page", Answer{Home: []Exchange{ok200(consentHTML)}, Player: []Exchange{ok200(playerOK)}, Watch: []Exchange{ok200(watchPage(playerOK))}}, harvest.VideoOK, ""},
		{"bot check", Answer{Player: []Exchange{ok200(playerBot), ok200(playerBot)}, Err: fmt.Errorf("can't bypass age restriction: %w", kkdai.ErrLoginRequired)}, harvest.VideoBlocked, "Sign in to confirm you’re not a bot"},
		{"bot check in the error screen only", Answer{Player: []Exchange{ok200(playerBotScreen)}, Err: kkdai.ErrLoginRequired}, harvest.VideoBlocked, "Sign in to confirm you’re not a bot"},
		{"bot check in the embedded retry", Answer{Player: []Exchange{ok200(playerAge), ok200(playerBot)}, Err: kkdai.ErrLoginRequired}, harvest.VideoBlocked, "Sign in to confirm you’re not a bot"},
		{"bot check on the watch page", Answer{Player: []Exchange{ok200(playerOK)}, Watch: []Exchange{ok200(watchPage(playerBot))}, Err: kkdai.ErrLoginRequired}, harvest.VideoBlocked, "Sign in to confirm you’re not a bot"},
		{"429 player", Answer{Player: []Exchange{{Status: 429, Body: []byte(captchaHTML)}}, Err: kkdai.ErrUnexpectedStatusCode(429)}, harvest.VideoBlocked, "player: HTTP 429 Too Many Requests"},
		{"429 home", Answer{Home: []Exchange{{Status: 429}}, Err: kkdai.ErrUnexpectedStatusCode(429)}, harvest.VideoBlocked, "home page: HTTP 429 Too Many Requests"},
		{"captcha player", Answer{Player: []Exchange{ok200(captchaHTML)}, Err: errors.New("unable to parse player response JSON")}, harvest.VideoBlocked, "captcha page instead of the player answer"},
		{"consent player", Answer{Player: []Exchange{ok200(consentHTML)}, Err: errors.New("unable to parse player response JSON")}, harvest.VideoBlocked, "consent page instead of the player answer"},
		{"consent watch", Answer{Player: []Exchange{ok200(playerRemoved)}, Watch: []Exchange{ok200(consentHTML)}, Err: errWatch}, harvest.VideoBlocked, "consent page instead of the watch page"},
		{"captcha home, nothing else", Answer{Home: []Exchange{ok200(captchaHTML)}, Err: errors.New("x")}, harvest.VideoBlocked, "captcha page instead of the home page"},
		{"consent redirect", Answer{Watch: []Exchange{{Status: 302, Location: "https://consent.youtube.com/ml?continue=x"}}, Player: []Exchange{ok200(playerOK)}, Err: kkdai.ErrUnexpectedStatusCode(302)}, harvest.VideoBlocked, "watch page: redirected to the consent page"},
		{"sorry redirect", Answer{Player: []Exchange{{Status: 302, Location: "https://www.google.com/sorry/index?continue=x"}}, Err: kkdai.ErrUnexpectedStatusCode(302)}, harvest.VideoBlocked, "player: redirected to the captcha page"},
		{"private", Answer{Player: []Exchange{ok200(playerPrivate)}, Err: kkdai.ErrVideoPrivate}, harvest.VideoPrivate, "This video is private."},
		{"private, new wording", Answer{Player: []Exchange{ok200(playerPrivate2), ok200(playerPrivate2)}, Err: kkdai.ErrLoginRequired}, harvest.VideoPrivate, "Private video"},
		{"age", Answer{Player: []Exchange{ok200(playerAge), ok200(playerAge)}, Err: kkdai.ErrLoginRequired}, harvest.VideoAgeRestricted, "This video may be inappropriate for some users."},
		{"age, embedded retry succeeded", Answer{Player: []Exchange{ok200(playerAge), ok200(playerOK)}}, harvest.VideoAgeRestricted, "This video may be inappropriate for some users."},
		{"age, confirm your age", Answer{Player: []Exchange{ok200(playerAgeWatch)}, Err: kkdai.ErrLoginRequired}, harvest.VideoAgeRestricted, "Sign in to confirm your age"},
		{"age, gate flag only", Answer{Player: []Exchange{ok200(playerAgeGate)}, Err: kkdai.ErrLoginRequired}, harvest.VideoAgeRestricted, "Sign in"},
		{"age, unplayable", Answer{Player: []Exchange{ok200(playerUnplAge)}, Err: kkdai.ErrLoginRequired}, harvest.VideoAgeRestricted, "Sign in to confirm your age"},
		{"login, unknown reason", Answer{Player: []Exchange{ok200(playerLogin)}, Err: kkdai.ErrLoginRequired}, harvest.VideoError, "login required: Please sign in"},
		{"removed", Answer{Player: []Exchange{ok200(playerRemoved)}, Watch: []Exchange{ok200(watchPage(playerRemoved))}}, harvest.VideoRemoved, "This video has been removed by the uploader"},
		{"account terminated", Answer{Player: []Exchange{ok200(playerErrScreen)}}, harvest.VideoRemoved, "This video is no longer available because the YouTube account associated with this video has been terminated."},
		{"region", Answer{Player: []Exchange{ok200(playerRegion)}}, harvest.VideoUnplayable, "The uploader has not made this video available in your country"},
		{"custom", Answer{Player: []Exchange{ok200(playerCustom)}}, harvest.VideoUnplayable, "Custom Reason"},
		{"offline", Answer{Player: []Exchange{ok200(playerOffline)}}, harvest.VideoLiveUpcoming, "This live event will begin in 3 days."},
		{"upcoming flag", Answer{Player: []Exchange{ok200(playerUpcoming)}}, harvest.VideoLiveUpcoming, "upcoming"},
		{"500", Answer{Player: []Exchange{{Status: 500}}, Err: kkdai.ErrUnexpectedStatusCode(500)}, harvest.VideoError, "player: HTTP 500 Internal Server Error"},
		{"500 home", Answer{Home: []Exchange{{Status: 500}}, Err: kkdai.ErrUnexpectedStatusCode(500)}, harvest.VideoError, "home page: HTTP 500 Internal Server Error"},
		{"timeout", Answer{Player: []Exchange{{Err: context.DeadlineExceeded}}, Err: timeout}, harvest.VideoError, "player: timed out"},
		{"no request at all", Answer{Err: &url.Error{Op: "Get", URL: "https://www.youtube.com", Err: errors.New("dial tcp: connection refused")}}, harvest.VideoError, "dial tcp: connection refused"},
		{"malformed", Answer{Player: []Exchange{ok200(`{"playabilityStatus":`)}, Err: errors.New("x")}, harvest.VideoError, "malformed player answer: unexpected end of JSON input"},
		{"not JSON, not a block page", Answer{Player: []Exchange{ok200(`<html>hello</html>`)}, Err: errors.New("x")}, harvest.VideoError, "malformed player answer: invalid character '<' looking for beginning of value"},
		{"truncated", Answer{Player: []Exchange{{Status: 200, Truncated: true}}, Err: errors.New("x")}, harvest.VideoError, "player: answer larger than 8388608 bytes"},
		{"no status", Answer{Player: []Exchange{ok200(playerNoStatus)}, Err: errors.New("x")}, harvest.VideoError, "player answer without playabilityStatus"},
		{"unknown status", Answer{Player: []Exchange{ok200(playerOddStatus)}, Err: errors.New("x")}, harvest.VideoError, "unknown playability status SOMETHING_NEW: New reason"},
		{"watch 503", Answer{Player: []Exchange{ok200(playerOK)}, Watch: []Exchange{{Status: 503}}, Err: kkdai.ErrUnexpectedStatusCode(503)}, harvest.VideoError, "watch page: HTTP 503 Service Unavailable"},
		{"watch without JSON", Answer{Player: []Exchange{ok200(playerOK)}, Watch: []Exchange{ok200("<html></html>")}, Err: errWatch}, harvest.VideoError, "watch page without ytInitialPlayerResponse"},
		{"watch disagrees", Answer{Player: []Exchange{ok200(playerOK)}, Watch: []Exchange{ok200(watchPage(playerRemoved))}, Err: errors.New("x")}, harvest.VideoError, "player said OK, watch page said ERROR: This video has been removed by the uploader"},
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range classifyCases() {
		t.Run(tc.name, func(t *testing.T) {
			status, reason := Classify(tc.a)
			if status != tc.status || reason != tc.reason {
				t.Errorf("Classify = %s %q, want %s %q", status, reason, tc.status, tc.reason)
			}
		})
	}
}

// YouTube's answer to a client version it retired, as quoted from a real
// get_transcript answer in ../shared/corpus/youtube/synthetic (the player
// answers the same way).
const precondition400 = `{ "error": { "code": 400, "message": "Precondition check failed.", "errors": [ { "message": "Precondition check failed.", "domain": "global", "reason": "failedPrecondition" } ], "status": "FAILED_PRECONDITION" } }`

func TestRefusal(t *testing.T) {
	newer := `{"playabilityStatus":{"status":"UNPLAYABLE","reason":"This video can only be played on newer versions of Android or other supported devices."}}`
	app := `{"playabilityStatus":{"status":"ERROR","reason":"Video unavailable","errorScreen":{"playerErrorMessageRenderer":{"reason":{"simpleText":"Video unavailable"},"subreason":{"runs":[{"text":"The following content is not available on this app."}]}}}}}`
	for _, tc := range []struct {
		name string
		a    Answer
		want string // "" for no refusal
	}{
		{"400 precondition", Answer{Player: []Exchange{{Status: 400, Body: []byte(precondition400)}}}, "HTTP 400 FAILED_PRECONDITION: Precondition check failed."},
		{"400 other", Answer{Player: []Exchange{{Status: 400, Body: []byte(`{"error":{"code":400,"message":"Invalid JSON payload received.","status":"INVALID_ARGUMENT"}}`)}}}, ""},
		{"newer versions of Android", Answer{Player: []Exchange{ok200(newer)}}, "This video can only be played on newer versions of Android or other supported devices."},
		{"not available on this app", Answer{Player: []Exchange{ok200(app)}}, "The following content is not available on this app."},
		{"ok", Answer{Player: []Exchange{ok200(playerOK)}}, ""},
		{"private", Answer{Player: []Exchange{ok200(playerPrivate)}}, ""},
		{"age", Answer{Player: []Exchange{ok200(playerAge)}}, ""},
		{"500", Answer{Player: []Exchange{{Status: 500}}}, ""},
		{"none", Answer{}, ""},
	} {
		got, refused := Refusal(tc.a)
		if refused != (tc.want != "") || got != tc.want {
			t.Errorf("Refusal(%s) = %q, %v; want %q", tc.name, got, refused, tc.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"2019-12-05":                "2019-12-05T00:00:00Z",
		"2026-11-20T09:30:00-08:00": "2026-11-20T17:30:00Z",
		"2018-08-02T06:00:08-07:00": "2018-08-02T13:00:08Z",
		"":                          "0001-01-01T00:00:00Z",
		"yesterday":                 "0001-01-01T00:00:00Z",
	} {
		if got := parseDate(in).Format("2006-01-02T15:04:05Z07:00"); got != want {
			t.Errorf("parseDate(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestHandleFromProfile(t *testing.T) {
	for in, want := range map[string]string{
		"http://www.youtube.com/@examplenews": "@examplenews",
		"/@Dave2D":                            "@Dave2D",
		"http://www.youtube.com/@x/videos":    "@x",
		"http://www.youtube.com/user/YouTube": "",
		"/user/YouTube":                       "",
		"http://www.youtube.com/channel/UCx":  "",
		"":                                    "",
		"/@":                                  "",
	} {
		if got := handleFromProfile(in); got != want {
			t.Errorf("handleFromProfile(%q) = %q, want %q", in, got, want)
		}
	}
}
