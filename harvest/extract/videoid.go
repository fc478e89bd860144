package extract

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/harvestdev/ytharvest/harvest"
)

// videoIDLen is the length of every YouTube video ID.
const videoIDLen = 11

// Limits on the non-video identifiers. Playlist IDs seen in the wild run
// from 13 characters (old "PL" + hex forms are 18) to 41 (music albums);
// the upper bound leaves room for new prefixes without accepting junk.
const (
	minPlaylistIDLen = 13
	maxPlaylistIDLen = 64
	channelIDLen     = 24 // "UC" + 22
	maxChannelName   = 100
	minHandleLen     = 3
)

// ValidVideoID reports whether s is a YouTube video ID: exactly 11
// characters of [A-Za-z0-9_-]. The three 11-character path words YouTube
// uses for other things (videoseries, live_stream, watch_popup) are not IDs,
// even though they have the right shape.
func ValidVideoID(s string) bool {
	return len(s) == videoIDLen && idPrefixLen(s) >= videoIDLen && !reservedWord(s)
}

// reservedWord reports whether s is one of YouTube's 11-character path words.
func reservedWord(s string) bool {
	switch s {
	case "videoseries", "live_stream", "watch_popup":
		return true
	}
	return false
}

// isIDChar reports whether c may appear in a video or playlist ID.
func isIDChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// idPrefixLen returns how many leading bytes of s are ID characters.
func idPrefixLen(s string) int {
	for i := 0; i < len(s); i++ {
		if !isIDChar(s[i]) {
			return i
		}
	}
	return len(s)
}

// videoIDPrefix returns the video ID at the start of s. Like yt-dlp and
// NewPipe it takes the first 11 ID characters and ignores what follows
// (watch?v=BaW_jenozKcsharePL… names BaW_jenozKc), but it refuses fewer
// than 11: a truncated ID names no video.
func videoIDPrefix(s string) (string, bool) {
	if idPrefixLen(s) < videoIDLen {
		return "", false
	}
	id := s[:videoIDLen]
	if reservedWord(id) {
		return "", false
	}
	return id, true
}

// validPlaylistID reports whether s looks like a shareable playlist ID
// (PL…, UU…, OLAK5uy_…, RD… and the rest). The short per-user lists (WL,
// LL, LM) are refused: they name a different list for every viewer.
func validPlaylistID(s string) bool {
	return minPlaylistIDLen <= len(s) && len(s) <= maxPlaylistIDLen && idPrefixLen(s) == len(s)
}

// validChannelID reports whether s is a channel ID: "UC" and 22 ID characters.
func validChannelID(s string) bool {
	return len(s) == channelIDLen && strings.HasPrefix(s, "UC") && idPrefixLen(s) == len(s)
}

// validChannelName reports whether s can be a handle (without its "@"), a
// custom URL name or a legacy user name. Since 2022 handles and custom
// names may be written in any script, so letters and digits of every
// script are allowed, plus the few punctuation marks YouTube permits.
func validChannelName(s string) bool {
	if s == "" || len(s) > maxChannelName || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && r != '_' && r != '-' && r != '.' && r != '·' {
			return false
		}
	}
	return true
}

// validChannelRef reports whether s is a channel reference as ParseURL
// writes it: "UC…", "@handle", "c/NAME", "user/NAME", or a legacy vanity
// "NAME" (youtube.com/NAME).
func validChannelRef(s string) bool {
	switch {
	case strings.HasPrefix(s, "@"):
		return utf8.RuneCountInString(s[1:]) >= minHandleLen && validChannelName(s[1:])
	case strings.HasPrefix(s, "c/"):
		return validChannelName(s[2:])
	case strings.HasPrefix(s, "user/"):
		return validChannelName(s[5:])
	}
	return validChannelID(s) || vanityName(s)
}

// validRef reports whether ref carries a well-formed ID for its type.
func validRef(ref harvest.Reference) bool {
	switch ref.Type {
	case harvest.RefVideo:
		return ValidVideoID(ref.ID) && (ref.PlaylistID == "" || validPlaylistID(ref.PlaylistID))
	case harvest.RefPlaylist:
		return validPlaylistID(ref.ID)
	case harvest.RefChannel:
		return validChannelRef(ref.ID)
	}
	return false
}

// hostFamily says which paths a YouTube host serves.
type hostFamily int

const (
	notYouTube hostFamily = iota
	mainSite              // youtube.com and its www, m, music, gaming and kids variants
	shortLink             // youtu.be
	noCookie              // youtube-nocookie.com: embeds only
	flashAPI              // youtube.googleapis.com: Flash-era /v/ID only
	consent               // consent.youtube.com: the cookie interstitial, which wraps the real URL
)

// classifyHost returns the family of a lower-cased host name, and whether
// the host may carry a legacy vanity URL (youtube.com/NAME). The list is
// closed on purpose: a page slug containing "youtube" on another site
// (knowtechie.com/youtube-is-…) must never look like a reference.
func classifyHost(host string) (f hostFamily, vanity bool) {
	switch host {
	case "youtube.com", "www.youtube.com", "m.youtube.com":
		return mainSite, true
	case "music.youtube.com", "gaming.youtube.com", "youtubekids.com", "www.youtubekids.com":
		return mainSite, false
	case "youtu.be", "www.youtu.be":
		return shortLink, false
	case "youtube-nocookie.com", "www.youtube-nocookie.com":
		return noCookie, false
	case "youtube.googleapis.com":
		return flashAPI, false
	case "consent.youtube.com":
		return consent, false
	}
	return notYouTube, false
}

// maxNesting bounds how many wrapper URLs are unwrapped to reach a
// reference (an attribution link inside a consent page, an Embedly iframe
// inside a redirector…). Real pages nest two deep at most.
const maxNesting = 3

// ParseURL classifies one absolute URL (or a protocol-relative "//…" one,
// taken as https) as a reference to a YouTube video, playlist or channel.
// It sets Type, ID, URL (the trimmed input), StartSeconds and PlaylistID;
// the caller fills in Kind, Context and InBody. ok is false for anything
// that is not such a reference: other hosts, search and help pages,
// /embed/ with no ID, the IFrame API script, truncated IDs and so on.
//
// The host and path are checked before any ID is read, so an 11-character
// token in some other position (src_vid=, a channel ID, a site's slug) is
// never taken for a video. YouTube's own wrappers are read through:
// attribution_link?u=, the consent page's continue= and the oEmbed
// endpoint's url= name the video of the URL they carry. Other sites'
// wrappers (redirectors, embed proxies) are not: the extractor unwraps
// those and reports them as kind proxy.
func ParseURL(raw string) (harvest.Reference, bool) {
	s := strings.TrimSpace(raw)
	if strings.HasPrefix(s, "//") {
		s = "https:" + s
	}
	u, err := url.Parse(s)
	if err != nil || !isWebURL(u) {
		return harvest.Reference{}, false
	}
	ref, ok := classifyURL(u, 0)
	if !ok {
		return harvest.Reference{}, false
	}
	ref.URL = s
	return ref, true
}

// classifyURL reads the reference out of an absolute http(s) URL: Type,
// ID, StartSeconds and PlaylistID. depth counts the YouTube wrapper URLs
// already unwrapped.
func classifyURL(u *url.URL, depth int) (harvest.Reference, bool) {
	f, vanity := classifyHost(lowerHost(u))
	ref, ok := classifyPath(f, vanity, u, depth)
	if !ok || !validRef(ref) {
		return harvest.Reference{}, false
	}
	if ref.Type == harvest.RefVideo && ref.StartSeconds == 0 {
		ref.StartSeconds = startSeconds(u)
	}
	if ref.Type == harvest.RefVideo && ref.PlaylistID == "" {
		if list, ok := queryParam(u.RawQuery, "list"); ok && validPlaylistID(list) {
			ref.PlaylistID = list
		}
	}
	return ref, true
}

// lowerHost returns u's host name without port or trailing dot, in lower
// case, allocating only when the host has upper-case letters.
func lowerHost(u *url.URL) string {
	h := strings.TrimSuffix(u.Hostname(), ".")
	for i := 0; i < len(h); i++ {
		if 'A' <= h[i] && h[i] <= 'Z' {
			return strings.ToLower(h)
		}
	}
	return h
}

// youTubeBase is what the relative URL of an attribution link resolves
// against.
var youTubeBase = &url.URL{Scheme: "https", Host: "www.youtube.com", Path: "/"}

// classifyPath reads the reference out of the path and query of a URL
// whose host belongs to family f.
func classifyPath(f hostFamily, vanity bool, u *url.URL, depth int) (harvest.Reference, bool) {
	switch f {
	case notYouTube:
		return harvest.Reference{}, false
	case consent:
		return nested(u.RawQuery, "continue", nil, depth)
	}
	path := strings.TrimPrefix(u.Path, "/")
	first, rest, _ := strings.Cut(path, "/")
	second, third, _ := strings.Cut(rest, "/")
	if f == shortLink {
		return video(first)
	}
	word := strings.ToLower(first)
	switch f {
	case noCookie:
		if word != "embed" && word != "v" {
			return harvest.Reference{}, false
		}
	case flashAPI:
		if word != "v" {
			return harvest.Reference{}, false
		}
	}
	q := u.RawQuery
	switch word {
	case "watch", "watch_popup", "", "movie", "watch.php", "tv":
		return watchPath(word, second, u)
	case "embed":
		return embedPath(second, q)
	case "v", "e", "w", "shorts", "live":
		return video(second)
	case "source": // /source/ID/shorts: the Shorts that use ID's audio
		return video(second)
	case "playlist":
		return playlist(q)
	case "attribution_link":
		return nested(q, "u", youTubeBase, depth)
	case "oembed":
		return nested(q, "url", nil, depth)
	}
	return channelPath(word, first, second, third, vanity)
}

// watchPath reads a watch page's URL (/watch, /watch_popup, /, /tv…): the
// video in v (also in the fragment of old single-page-app links, and in
// the path of /watch/ID), else the playlist of a /watch?list=.
func watchPath(word, second string, u *url.URL) (harvest.Reference, bool) {
	if v, ok := queryParam(u.RawQuery, "v"); ok {
		return video(v)
	}
	if word == "watch" && second != "" { // /watch/ID (NewPipe, Invidious)
		return video(second)
	}
	// Old single-page-app links keep the watch URL in the fragment:
	// /#!v=ID, /#/watch?v=ID, /tv#/watch?v=ID.
	if frag := strings.TrimLeft(u.Fragment, "!/"); frag != "" {
		fq := frag
		if _, after, ok := strings.Cut(frag, "?"); ok {
			fq = after
		}
		if v, ok := queryParam(fq, "v"); ok {
			return video(v)
		}
	}
	if word == "watch" {
		return playlist(u.RawQuery)
	}
	return harvest.Reference{}, false
}

// embedPath reads an embed URL, /embed/second?q: a video, a playlist
// (videoseries, or no ID), or a channel's live stream.
func embedPath(second, q string) (harvest.Reference, bool) {
	switch second {
	case "":
		return embedList(q)
	case "videoseries":
		return playlist(q)
	case "live_stream":
		if ch, ok := queryParam(q, "channel"); ok && validChannelID(ch) {
			return harvest.Reference{Type: harvest.RefChannel, ID: ch}, true
		}
		return harvest.Reference{}, false
	}
	return video(second)
}

// channelPath reads the path /first/second/third of a youtube.com URL, of
// first segment word in lower case, as a channel: /channel/UC…, /c/NAME,
// /user/NAME, /@handle, YouTube Music's /browse/, or a legacy /NAME where
// the host allows it (vanity).
func channelPath(word, first, second, third string, vanity bool) (harvest.Reference, bool) {
	switch word {
	case "browse": // YouTube Music: VL + playlist ID, or a channel ID
		if id, ok := strings.CutPrefix(second, "VL"); ok && validPlaylistID(id) {
			return harvest.Reference{Type: harvest.RefPlaylist, ID: id}, true
		}
		if validChannelID(second) {
			return harvest.Reference{Type: harvest.RefChannel, ID: second}, true
		}
	case "channel":
		if validChannelID(second) {
			return harvest.Reference{Type: harvest.RefChannel, ID: second}, true
		}
	case "c", "user":
		if word == "user" && validChannelID(second) {
			// A channel ID put under /user/ by mistake still names the channel.
			return harvest.Reference{Type: harvest.RefChannel, ID: second}, true
		}
		if validChannelName(second) {
			return harvest.Reference{Type: harvest.RefChannel, ID: word + "/" + second}, true
		}
	default:
		if h, ok := strings.CutPrefix(first, "@"); ok {
			if utf8.RuneCountInString(h) >= minHandleLen && validChannelName(h) {
				return harvest.Reference{Type: harvest.RefChannel, ID: first}, true
			}
			return harvest.Reference{}, false
		}
		if vanity && third == "" && (second == "" || channelTab(second)) && vanityName(first) {
			return harvest.Reference{Type: harvest.RefChannel, ID: first}, true
		}
	}
	return harvest.Reference{}, false
}

// nested classifies the URL carried in parameter key of query q (resolved
// against base when relative), for YouTube's own wrapper URLs.
func nested(q, key string, base *url.URL, depth int) (harvest.Reference, bool) {
	if depth >= maxNesting {
		return harvest.Reference{}, false
	}
	v, ok := queryParam(q, key)
	if !ok {
		return harvest.Reference{}, false
	}
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil {
		return harvest.Reference{}, false
	}
	if base != nil {
		u = base.ResolveReference(u)
	} else if u.Scheme == "" && strings.HasPrefix(v, "//") {
		u.Scheme = "https"
	}
	if !isWebURL(u) {
		return harvest.Reference{}, false
	}
	return classifyURL(u, depth+1)
}

// channelTab reports whether s is a tab of a channel page (/NAME/videos).
func channelTab(s string) bool {
	switch strings.ToLower(s) {
	case "videos", "featured", "playlists", "community", "channels", "about", "streams",
		"shorts", "live", "podcasts", "releases", "store":
		return true
	}
	return false
}

// vanityName reports whether the first path segment s of a youtube.com URL
// is a legacy vanity name (youtube.com/MacRumors) rather than one of
// YouTube's own pages. The reserved words are yt-dlp's list and the
// site's other top-level pages; a name with a dot is a file (favicon.ico).
func vanityName(s string) bool {
	if utf8.RuneCountInString(s) < minHandleLen || strings.Contains(s, ".") || !validChannelName(s) {
		return false
	}
	switch strings.ToLower(s) {
	case "about", "account", "ads", "advertise", "api", "attribution_link", "browse", "c",
		"channel", "channel_switcher", "channels", "clip", "comment", "copyright",
		"create_channel", "creators", "das_captcha", "dashboard", "e", "embed", "error", "explore",
		"feed", "feeds", "gaming", "gen_204", "generate_204", "get_video_info",
		"hashtag", "howyoutubeworks", "html5", "iframe_api", "img", "index", "jobs", "kids", "live",
		"live_chat", "login", "logout", "mobile", "movie", "movies", "music", "my_videos", "new",
		"oembed", "oops", "opensearch", "pagead", "player_api", "playlist", "playlists",
		"policies", "premium", "privacy", "ptracking", "redirect", "reporthistory",
		"results", "s", "search", "select_site", "shared", "shorts", "signin", "signup", "source",
		"static", "storefront", "subscribe_embed", "subscription_center",
		"subscription_manager", "supported_browsers", "t", "terms", "testtube", "trending",
		"trends", "tv", "upload", "user", "v", "verify_age", "view_play_list", "w",
		"watch", "watch_popup", "watch_videos", "youtubei", "yt":
		return false
	}
	return true
}

// video makes a video reference from the ID at the start of s.
func video(s string) (harvest.Reference, bool) {
	id, ok := videoIDPrefix(s)
	if !ok {
		return harvest.Reference{}, false
	}
	return harvest.Reference{Type: harvest.RefVideo, ID: id}, true
}

// playlist makes a playlist reference from the list= parameter of query q.
func playlist(q string) (harvest.Reference, bool) {
	list, ok := queryParam(q, "list")
	if !ok || !validPlaylistID(list) {
		return harvest.Reference{}, false
	}
	return harvest.Reference{Type: harvest.RefPlaylist, ID: list}, true
}

// embedList reads an embed URL with no ID in its path: /embed?list=PL… and
// /embed/?list=UU… play a playlist, while the legacy
// /embed?listType=user_uploads&list=NAME plays a user's uploads, which makes
// it a channel reference.
func embedList(q string) (harvest.Reference, bool) {
	lt, _ := queryParam(q, "listType")
	switch lt {
	case "", "playlist":
		return playlist(q)
	case "user_uploads":
		if name, ok := queryParam(q, "list"); ok && validChannelName(name) {
			return harvest.Reference{Type: harvest.RefChannel, ID: "user/" + name}, true
		}
	}
	return harvest.Reference{}, false
}

// queryParam returns the first value of key in the raw query q. It does not
// use url.ParseQuery, which drops a whole pair over one bad escape or a
// semicolon, and it forgives the double-escaped ampersand that pages produce
// when they entity-encode an already encoded URL: "…&amp;v=ID" reaches us as
// the key "amp;v".
func queryParam(q, key string) (string, bool) {
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		k, v, _ := strings.Cut(pair, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		for {
			t, ok := strings.CutPrefix(k, "amp;")
			if !ok {
				break
			}
			k = t
		}
		if k != key {
			continue
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		return v, true
	}
	return "", false
}
