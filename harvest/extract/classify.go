package extract

import (
	"net/url"
	"strings"

	"github.com/harvestdev/ytharvest/harvest"
)

// via says how a URL found in the page names its reference.
type via uint8

const (
	viaDirect    via = iota // a YouTube page, player or short link
	viaThumbnail            // a thumbnail or storyboard image of the video
	viaProxy                // another site's URL that carries the YouTube URL or ID
)

// found is one reference read out of a string of the page, before the
// walker records where it was.
type found struct {
	ref harvest.Reference // Type, ID, URL, StartSeconds, PlaylistID
	via via
}

// lookup classifies raw, a URL found in the page (an attribute value or a
// token of code), and calls fn for every reference it names. Relative URLs
// resolve against the document base; a scheme-less YouTube host
// ("youtu.be/ID") is taken as https; app links (vnd.youtube:, youtube://,
// android-app://, ios-app://) are read as the web URL they stand for.
func (w *walker) lookup(raw string, fn func(found)) {
	s := cleanAttrURL(raw)
	if s == "" {
		return
	}
	s = webForm(s)
	u, err := url.Parse(s)
	if err != nil {
		return
	}
	if u.Scheme == "" && w.base != nil {
		u = w.base.ResolveReference(u)
	}
	if !isWebURL(u) {
		return
	}
	lookupURL(u, 0, fn)
}

// lookupURL classifies the absolute URL u: a YouTube URL, a thumbnail, or
// another site's URL wrapping one (see unwrap).
func lookupURL(u *url.URL, depth int, fn func(found)) {
	if ref, ok := classifyURL(u, 0); ok {
		ref.URL = u.String()
		fn(found{ref: ref, via: viaDirect})
		return
	}
	host := lowerHost(u)
	if id, ok := thumbnailID(host, u.Path); ok {
		fn(found{ref: harvest.Reference{Type: harvest.RefVideo, ID: id, URL: u.String()}, via: viaThumbnail})
		return
	}
	if f, _ := classifyHost(host); f != notYouTube || isThumbHost(host) {
		return // a YouTube URL that names nothing: search, help pages, the API script…
	}
	unwrap(u, depth, fn)
}

// unwrap reads the references another site's URL carries:
//
//   - a query parameter holding a YouTube URL, percent-encoded or not:
//     redirectors (google.com/url?url=, adurl=), Embedly's
//     media.html?src=…&url=…&image=…, a site's own /embed?url= proxy,
//     a thumbnail cache's ?origThumbUrl=;
//   - a YouTube URL in the path: web.archive.org/web/<time>/http://…;
//   - a parameter naming the video with a "youtube" prefix and no URL at
//     all, as site-own embed proxies do (?id=youtube-video-ID).
//
// References found this way come back as viaProxy (thumbnails stay
// viaThumbnail), with the wrapper's URL and, when the inner URL gives no
// start, the wrapper's own start= or t=.
func unwrap(u *url.URL, depth int, fn func(found)) {
	if depth >= maxNesting {
		return
	}
	outer := ""
	emit := func(f found) {
		if outer == "" {
			outer = u.String()
		}
		f.ref.URL = outer
		if f.via == viaDirect {
			f.via = viaProxy
		}
		if f.ref.Type == harvest.RefVideo && f.ref.StartSeconds == 0 {
			f.ref.StartSeconds = startSeconds(u)
		}
		fn(f)
	}
	if indexYT(u.RawQuery) >= 0 {
		for q := u.RawQuery; q != ""; {
			var pair string
			pair, q, _ = strings.Cut(q, "&")
			_, v, _ := strings.Cut(pair, "=")
			if indexYT(v) < 0 {
				continue
			}
			v = unescapeParam(v)
			if id, ok := proxyVideoID(v); ok {
				emit(found{ref: harvest.Reference{Type: harvest.RefVideo, ID: id}, via: viaDirect})
				continue
			}
			scanCode(v, func(tok string) {
				if inner := parseWeb(tok, u); inner != nil {
					lookupURL(inner, depth+1, emit)
				}
			})
		}
	}
	if i := indexScheme(u.Path); i > 0 {
		inner := u.Path[i:]
		if u.RawQuery != "" {
			inner += "?" + u.RawQuery
		}
		if v := parseWeb(inner, nil); v != nil {
			lookupURL(v, depth+1, emit)
		}
	}
}

// unescapeParam percent-decodes a query value, twice when it was encoded
// twice (a wrapper inside a wrapper).
func unescapeParam(v string) string {
	for range 2 {
		if strings.IndexByte(v, '%') < 0 {
			break
		}
		d, err := url.QueryUnescape(v)
		if err != nil {
			break
		}
		v = d
	}
	return v
}

// indexScheme returns the index of an embedded "http:/" or "https:/" in a
// URL path, or -1.
func indexScheme(p string) int {
	for i := strings.Index(p, ":/"); i >= 0; {
		switch {
		case i >= 5 && hasPrefixFold(p[i-5:], "https"):
			return i - 5
		case i >= 4 && hasPrefixFold(p[i-4:], "http"):
			return i - 4
		}
		j := strings.Index(p[i+2:], ":/")
		if j < 0 {
			return -1
		}
		i += 2 + j
	}
	return -1
}

// parseWeb parses s, a URL found inside another (relative ones resolve
// against base when it is given), and returns it when it is an absolute
// http(s) URL. A Wayback path keeps "http:/host" with one slash.
func parseWeb(s string, base *url.URL) *url.URL {
	s = webForm(strings.TrimSpace(s))
	if i := strings.Index(s, ":/"); i > 0 && i <= 5 && (i+2 >= len(s) || s[i+2] != '/') {
		s = s[:i] + "://" + s[i+2:]
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil
	}
	if base != nil {
		u = base.ResolveReference(u)
	} else if u.Scheme == "" && strings.HasPrefix(s, "//") {
		u.Scheme = "https"
	}
	if !isWebURL(u) {
		return nil
	}
	return u
}

// proxyVideoID reads a video ID from a parameter that names it without a
// URL: "youtube-video-ID", "youtube_ID", "youtube:ID", "yt-ID" (the value
// must be that and nothing else).
func proxyVideoID(v string) (string, bool) {
	if len(v) < videoIDLen+3 {
		return "", false
	}
	id := v[len(v)-videoIDLen:]
	prefix := v[:len(v)-videoIDLen]
	if !ValidVideoID(id) || !looksLikeID(id) {
		return "", false
	}
	var buf [24]byte
	k := 0
	for i := 0; i < len(prefix); i++ {
		c := prefix[i]
		switch {
		case c == '-' || c == '_' || c == ':' || c == '/':
			continue
		case isLetter(c) && k < len(buf):
			buf[k] = c | 0x20
			k++
		default:
			return "", false
		}
	}
	switch string(buf[:k]) {
	case "youtube", "youtubevideo", "yt", "ytvideo":
		last := prefix[len(prefix)-1]
		return id, last == '-' || last == '_' || last == ':' || last == '/'
	}
	return "", false
}

// webForm rewrites the forms of a YouTube URL that are not web URLs into
// the web URL they stand for: app links and scheme-less host names.
func webForm(s string) string {
	switch {
	case hasPrefixFold(s, "vnd.youtube:"):
		rest := strings.TrimPrefix(s[len("vnd.youtube:"):], "//")
		if isYouTubeHostPrefix(rest) {
			return "https://" + rest
		}
		return "https://youtu.be/" + rest
	case hasPrefixFold(s, "youtube://"):
		rest := s[len("youtube://"):]
		if isYouTubeHostPrefix(rest) {
			return "https://" + rest
		}
		return "https://youtu.be/" + rest
	case hasPrefixFold(s, "android-app://com.google.android.youtube/"):
		// android-app://PACKAGE/SCHEME/HOST/PATH
		rest := s[len("android-app://com.google.android.youtube/"):]
		scheme, hostPath, ok := strings.Cut(rest, "/")
		if ok && (scheme == "http" || scheme == "https") {
			return scheme + "://" + hostPath
		}
		if ok && scheme == "vnd.youtube" {
			return "https://" + hostPath
		}
	case hasPrefixFold(s, "ios-app://"):
		// ios-app://APP-ID/SCHEME/HOST/PATH
		rest := s[len("ios-app://"):]
		if _, r, ok := strings.Cut(rest, "/"); ok {
			if scheme, hostPath, ok := strings.Cut(r, "/"); ok && (scheme == "vnd.youtube" || scheme == "youtube") && isYouTubeHostPrefix(hostPath) {
				return "https://" + hostPath
			}
		}
	case isYouTubeHostPrefix(s):
		return "https://" + s
	}
	return s
}

// isYouTubeHostPrefix reports whether s starts with a YouTube host name
// and a path, without a scheme: "www.youtube.com/watch?v=…", "youtu.be/ID".
func isYouTubeHostPrefix(s string) bool {
	host, _, ok := strings.Cut(s, "/")
	if !ok {
		return false
	}
	host = strings.ToLower(host)
	if f, _ := classifyHost(host); f != notYouTube {
		return true
	}
	return isThumbHost(host)
}

// isThumbHost reports whether host serves YouTube thumbnails: i.ytimg.com,
// i1.ytimg.com … i9.ytimg.com, img.youtube.com.
func isThumbHost(host string) bool {
	switch host {
	case "i.ytimg.com", "img.youtube.com", "i.ytimg.googleusercontent.com":
		return true
	}
	return len(host) == len("i1.ytimg.com") && host[0] == 'i' && '0' <= host[1] && host[1] <= '9' && host[2:] == ".ytimg.com"
}

// thumbnailID returns the video ID of a thumbnail or storyboard image:
// /vi/ID/hqdefault.jpg, /vi_webp/ID/…, /an_webp/ID/… (animated previews)
// and /sb/ID/… (storyboards). The ID must be whole: "/vi/ID/" in a
// template, or one cut short, names nothing.
func thumbnailID(host, path string) (string, bool) {
	if !isThumbHost(host) {
		return "", false
	}
	dir, rest, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !ok {
		return "", false
	}
	switch dir {
	case "vi", "vi_webp", "an", "an_webp", "sb":
	default:
		return "", false
	}
	if len(rest) < videoIDLen || len(rest) > videoIDLen && rest[videoIDLen] != '/' && rest[videoIDLen] != '.' {
		return "", false
	}
	id := rest[:videoIDLen]
	return id, ValidVideoID(id)
}

// looksLikeID reports whether an 11-character token that is not part of a
// YouTube URL (a bare data-video-id, a template in a script, an argument
// of a player call) looks like a generated video ID rather than a word: YouTube IDs
// are random over 64 symbols, so one made of lower-case letters only
// ("placeholder", "video-embed"), upper-case only ("VIDEO_ID_HE") or digits
// only is a placeholder, a name or a number far more often than an ID.
func looksLikeID(s string) bool {
	var lower, upper, digit bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z':
			lower = true
		case 'A' <= c && c <= 'Z':
			upper = true
		case '0' <= c && c <= '9':
			digit = true
		}
	}
	n := 0
	for _, b := range [...]bool{lower, upper, digit} {
		if b {
			n++
		}
	}
	return n >= 2
}
