package youtube

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Track is one caption track a player answer offers.
type Track struct {
	Language     string // languageCode, e.g. "en", "pt-BR", "es-419", "zh-Hant"
	Name         string // display name in the answer's UI language, e.g. "English (auto-generated)"
	Generated    bool   // auto-generated (speech recognition): kind "asr", or a vssId starting "a."
	Translatable bool   // YouTube translates it when asked with tlang=
	BaseURL      string // signed timedtext URL; see CaptionURL and NeedsPoToken
}

// Tracks returns the caption tracks of a player answer, in the answer's
// order: captions.playerCaptionsTracklistRenderer.captionTracks of the
// innertube player JSON, or of the ytInitialPlayerResponse a watch page
// embeds (found as kkdai finds it). App clients give names as runs and
// watch pages as simpleText; both are read. An answer without captions
// (disabled, or not playable) gives no tracks and no error. Tracks are
// returned as offered, even one without a baseUrl; CaptionURL rejects
// that one. The error is for a body that is neither JSON nor a watch
// page, or whose captions do not decode.
func Tracks(player []byte) ([]Track, error) {
	b := trimLeft(player)
	if len(b) == 0 {
		return nil, errors.New("caption tracks: empty player answer")
	}
	if b[0] != '{' {
		m := initialPlayerResponse.FindSubmatch(b)
		if m == nil {
			return nil, errors.New("caption tracks: neither player JSON nor a watch page")
		}
		b = m[1]
	}
	var p struct {
		Captions *struct {
			Renderer *struct {
				Tracks []struct {
					BaseURL      string `json:"baseUrl"`
					Name         text   `json:"name"`
					VssID        string `json:"vssId"`
					LanguageCode string `json:"languageCode"`
					Kind         string `json:"kind"`
					Translatable bool   `json:"isTranslatable"`
				} `json:"captionTracks"`
			} `json:"playerCaptionsTracklistRenderer"`
		} `json:"captions"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("caption tracks: %w", err)
	}
	if p.Captions == nil || p.Captions.Renderer == nil {
		return nil, nil
	}
	var out []Track
	for _, t := range p.Captions.Renderer.Tracks {
		out = append(out, Track{
			Language:     strings.TrimSpace(t.LanguageCode),
			Name:         strings.TrimSpace(t.Name.String()),
			Generated:    t.Kind == "asr" || strings.HasPrefix(t.VssID, "a."),
			Translatable: t.Translatable,
			BaseURL:      t.BaseURL,
		})
	}
	return out, nil
}

// Choice says which caption tracks to fetch: the --lang,
// --prefer-generated, --all-languages and --translate-to options.
type Choice struct {
	Langs           []string // languages in order of preference; empty means "en"
	PreferGenerated bool     // take an auto-generated track over a manual one of the same language
	All             bool     // every track, whatever the languages
	TranslateTo     string   // when no track matches Langs, one to have YouTube translate into this language
}

// Choose picks the tracks to fetch.
//
// With c.All it returns every track: grouped by language in the order
// each language first appears, manual before generated within a language,
// otherwise in the answer's order.
//
// Otherwise it returns at most one track. It takes the languages of
// c.Langs in order ("en" when there are none; an entry may itself be a
// comma list) and returns a track for the first language that has any.
// For a language, manual tracks are tried before generated ones (the
// other way round with c.PreferGenerated), and within each kind the best
// match wins:
//
//  1. the same code, ignoring case ("pt-BR" for "pt-br");
//  2. the bare base language of a regional request ("en" for "en-US");
//  3. any other code of the same base language ("en-GB" for "en",
//     "pt-BR" for "pt", "en-GB" for "en-US"), in the answer's order.
//
// So a manual en-GB track beats a generated en one, unless
// PreferGenerated. When no language matches and c.TranslateTo is set, it
// returns the track to translate: one already in that language if there
// is one (matched as above, manual first), else the first translatable
// manual track, else the first translatable generated one. Choice.TLang
// says whether the returned track needs tlang=. Otherwise nil.
func Choose(tracks []Track, c Choice) []Track {
	if len(tracks) == 0 {
		return nil
	}
	if c.All {
		return groupByLanguage(tracks)
	}
	for _, lang := range c.langs() {
		if t, ok := bestFor(tracks, lang, c.PreferGenerated); ok {
			return []Track{t}
		}
	}
	if c.TranslateTo == "" {
		return nil
	}
	if t, ok := bestFor(tracks, c.TranslateTo, false); ok {
		return []Track{t}
	}
	for _, generated := range []bool{false, true} {
		for _, t := range tracks {
			if t.Translatable && t.Generated == generated {
				return []Track{t}
			}
		}
	}
	return nil
}

// TLang returns the tlang= to fetch t with, "" for none: c.TranslateTo
// when t is translatable and is Choose's translation fallback, that is
// when its language matches neither c.Langs nor c.TranslateTo. With c.All
// it is always "": every track is fetched as it is.
func (c Choice) TLang(t Track) string {
	if c.All || c.TranslateTo == "" || !t.Translatable || matchRank(c.TranslateTo, t.Language) >= 0 {
		return ""
	}
	for _, lang := range c.langs() {
		if matchRank(lang, t.Language) >= 0 {
			return ""
		}
	}
	return c.TranslateTo
}

// langs is the list of preferred languages, "en" when there is none.
func (c Choice) langs() []string {
	var out []string
	for _, l := range c.Langs {
		for _, part := range strings.Split(l, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	if len(out) == 0 {
		return []string{"en"}
	}
	return out
}

// bestFor returns the best track of language lang, by kind first and then
// by matchRank, as Choose documents.
func bestFor(tracks []Track, lang string, preferGenerated bool) (Track, bool) {
	for _, generated := range []bool{preferGenerated, !preferGenerated} {
		best, bestRank := -1, 0
		for i, t := range tracks {
			if t.Generated != generated {
				continue
			}
			r := matchRank(lang, t.Language)
			if r >= 0 && (best < 0 || r < bestRank) {
				best, bestRank = i, r
			}
		}
		if best >= 0 {
			return tracks[best], true
		}
	}
	return Track{}, false
}

// matchRank says how well a track's language code matches a wanted one:
// 0 the same code, 1 the bare base of a regional wish, 2 the same base
// language, -1 no match. Codes are compared without regard to case, and
// "_" is taken for "-".
func matchRank(want, code string) int {
	want = strings.ReplaceAll(strings.TrimSpace(want), "_", "-")
	code = strings.ReplaceAll(strings.TrimSpace(code), "_", "-")
	if want == "" || code == "" {
		return -1
	}
	wantBase, _, _ := strings.Cut(want, "-")
	codeBase, _, _ := strings.Cut(code, "-")
	switch {
	case strings.EqualFold(want, code):
		return 0
	case strings.EqualFold(code, wantBase):
		return 1
	case strings.EqualFold(codeBase, wantBase):
		return 2
	}
	return -1
}

// groupByLanguage orders tracks for Choice.All.
func groupByLanguage(tracks []Track) []Track {
	first := make(map[string]int)
	for i, t := range tracks {
		k := strings.ToLower(t.Language)
		if _, ok := first[k]; !ok {
			first[k] = i
		}
	}
	out := slices.Clone(tracks)
	slices.SortStableFunc(out, func(a, b Track) int {
		fa, fb := first[strings.ToLower(a.Language)], first[strings.ToLower(b.Language)]
		switch {
		case fa != fb:
			return fa - fb
		case a.Generated == b.Generated:
			return 0
		case b.Generated:
			return -1
		}
		return 1
	})
	return out
}

// langCode is what CaptionURL accepts as a tlang= value.
var langCode = regexp.MustCompile(`^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$`)

// CaptionURL returns the URL to fetch track t in the given format:
// FormatJSON3 or FormatSRV3 set fmt=, "srv1" sets fmt=srv1, and
// FormatLegacy or "" drop fmt= (the legacy XML is the default answer).
// Any fmt= the baseUrl carries is replaced, not repeated: app-client
// baseUrls already end in fmt=srv3, and what YouTube does with two fmt=
// values is not documented. tlang=translateTo is added (replacing any)
// when translateTo is set and t is translatable, and silently left out
// when t is not: the caller then gets t's own language (see Choice.TLang).
// The other parameters keep their order and encoding, since the baseUrl
// is signed. A baseUrl without a host is taken relative to
// https://www.youtube.com.
func CaptionURL(t Track, format, translateTo string) (string, error) {
	if t.BaseURL == "" {
		return "", fmt.Errorf("caption url: %s track has no baseUrl", t.Language)
	}
	var fmtValue string
	switch format {
	case FormatJSON3, FormatSRV3, "srv1":
		fmtValue = format
	case FormatLegacy, "":
	default:
		return "", fmt.Errorf("caption url: unknown format %q", format)
	}
	if translateTo != "" && !langCode.MatchString(translateTo) {
		return "", fmt.Errorf("caption url: bad translation language %q", translateTo)
	}
	tlang := translateTo != "" && t.Translatable

	u, err := url.Parse(t.BaseURL)
	if err != nil {
		return "", fmt.Errorf("caption url: %w", err)
	}
	if u.Host == "" {
		u = (&url.URL{Scheme: "https", Host: "www.youtube.com"}).ResolveReference(u)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", fmt.Errorf("caption url: unsupported scheme in %q", t.BaseURL)
	}
	var params []string
	for _, p := range strings.Split(u.RawQuery, "&") {
		switch queryKey(p) {
		case "":
			continue
		case "fmt":
			continue
		case "tlang":
			if tlang {
				continue
			}
		}
		params = append(params, p)
	}
	if fmtValue != "" {
		params = append(params, "fmt="+fmtValue)
	}
	if tlang {
		params = append(params, "tlang="+url.QueryEscape(translateTo))
	}
	u.RawQuery = strings.Join(params, "&")
	return u.String(), nil
}

// NeedsPoToken reports whether a caption baseUrl asks for a
// proof-of-origin token: its exp= parameter lists "xpe" or "xpv". Such
// URLs (all of a watch page's, some of the player's) answer an empty body
// without the token, so they should not be fetched. Other exp= values
// occur and are harmless: 2021 answers carry exp=xftt,xctw.
func NeedsPoToken(baseURL string) bool {
	_, query, ok := strings.Cut(baseURL, "?")
	if !ok {
		return false
	}
	query, _, _ = strings.Cut(query, "#")
	for _, p := range strings.Split(query, "&") {
		if queryKey(p) != "exp" {
			continue
		}
		_, v, _ := strings.Cut(p, "=")
		if u, err := url.QueryUnescape(v); err == nil {
			v = u
		}
		for _, e := range strings.Split(v, ",") {
			switch strings.ToLower(strings.TrimSpace(e)) {
			case "xpe", "xpv":
				return true
			}
		}
	}
	return false
}

// queryKey is the decoded key of one key=value piece of a raw query.
func queryKey(p string) string {
	k, _, _ := strings.Cut(p, "=")
	if u, err := url.QueryUnescape(k); err == nil {
		return u
	}
	return k
}
