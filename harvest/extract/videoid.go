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
// writes it: "UC…", "@handle", "c/NAME" or "user/NAME".
func validChannelRef(s string) bool {
	switch {
	case strings.HasPrefix(s, "@"):
		return utf8.RuneCountInString(s[1:]) >= minHandleLen && validChannelName(s[1:])
	case strings.HasPrefix(s, "c/"):
		return validChannelName(s[2:])
	case strings.HasPrefix(s, "user/"):
		return validChannelName(s[5:])
	}
	return validChannelID(s)
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
	mainSite              // youtube.com and its www, m, music and kids variants
	shortLink             // youtu.be
	noCookie              // youtube-nocookie.com: embeds only
	flashAPI              // youtube.googleapis.com: Flash-era /v/ID only
)

// classifyHost returns the family of a lower-cased host name. The list is
// closed on purpose: a page slug containing "youtube" on another site
// (knowtechie.com/youtube-is-…) must never look like a reference.
func classifyHost(host string) hostFamily {
	switch host {
	case "youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com",
		"youtubekids.com", "www.youtubekids.com":
		return mainSite
	case "youtu.be", "www.youtu.be":
		return shortLink
	case "youtube-nocookie.com", "www.youtube-nocookie.com":
		return noCookie
	case "youtube.googleapis.com":
		return flashAPI
	}
	return notYouTube
}

// ParseURL classifies one absolute URL (or a protocol-relative "//…" one,
// taken as https) as a reference to a YouTube video, playlist or channel.
// It sets Type, ID, URL (the trimmed input), StartSeconds and PlaylistID;
// the caller fills in Kind, Context and InBody. ok is false for anything
// that is not such a reference: other hosts, search and help pages,
// /embed/ with no ID, the IFrame API script, truncated IDs and so on.
//
// The host and path are checked before any ID is read, so an 11-character
// token in some other position (src_vid=, a channel ID, a site's slug) is
// never taken for a video.
func ParseURL(raw string) (harvest.Reference, bool) {
	s := strings.TrimSpace(raw)
	if strings.HasPrefix(s, "//") {
		s = "https:" + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Opaque != "" {
		return harvest.Reference{}, false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	ref, ok := classifyPath(classifyHost(host), u)
	if !ok {
		return harvest.Reference{}, false
	}
	ref.URL = s
	if ref.Type == harvest.RefVideo {
		ref.StartSeconds = startSeconds(u)
		if list, ok := queryParam(u.RawQuery, "list"); ok && validPlaylistID(list) {
			ref.PlaylistID = list
		}
	}
	return ref, true
}

// classifyPath reads the reference out of the path and query of a URL
// whose host belongs to family f.
func classifyPath(f hostFamily, u *url.URL) (harvest.Reference, bool) {
	if f == notYouTube {
		return harvest.Reference{}, false
	}
	path := strings.TrimPrefix(u.Path, "/")
	first, rest, _ := strings.Cut(path, "/")
	second, _, _ := strings.Cut(rest, "/")
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
	case "watch", "watch_popup", "":
		if v, ok := queryParam(q, "v"); ok {
			return video(v)
		}
		if word == "watch" && second != "" { // /watch/ID (NewPipe, Invidious)
			return video(second)
		}
		if word == "watch" {
			return playlist(q)
		}
	case "embed":
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
	case "v", "e", "shorts", "live":
		return video(second)
	case "playlist":
		return playlist(q)
	case "channel":
		if validChannelID(second) {
			return harvest.Reference{Type: harvest.RefChannel, ID: second}, true
		}
	case "c", "user":
		if validChannelName(second) {
			return harvest.Reference{Type: harvest.RefChannel, ID: word + "/" + second}, true
		}
	default:
		if h, ok := strings.CutPrefix(first, "@"); ok && utf8.RuneCountInString(h) >= minHandleLen && validChannelName(h) {
			return harvest.Reference{Type: harvest.RefChannel, ID: first}, true
		}
	}
	return harvest.Reference{}, false
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
