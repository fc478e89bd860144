package harvest

import (
	"errors"
	"time"
)

// PageState is where a page is in the frontier.
type PageState string

// The states of a page. A page is queued when first seen and stays queued
// while a run fetches it, until its outcome is committed: fetched, failed
// or skipped. Fetching is only left by a killed run of an earlier
// ytharvest, which marked the pages it held; the next run queues them
// again.
const (
	PageQueued   PageState = "queued"
	PageFetching PageState = "fetching"
	PageFetched  PageState = "fetched"
	PageFailed   PageState = "failed"
	PageSkipped  PageState = "skipped"
)

// Page is one URL of the frontier and, once fetched, what was learnt from it.
type Page struct {
	ID           int64
	URL          string // normalised; the frontier key
	FinalURL     string // after redirects
	CanonicalURL string // <link rel=canonical>, when the page declares one
	Host         string
	Depth        int   // 0 for seeds
	FoundFrom    int64 // the page that linked here; 0 for seeds
	Seed         bool
	Listed       bool    // an entry of a seed's sitemap or feed: fetched whatever its host
	Kind         DocKind // what the document turned out to be; for a queued page, what it is expected to be
	State        PageState
	HTTPStatus   int
	ContentType  string
	ETag         string
	LastModified string
	ContentHash  string // hex SHA-256 of the body as fetched
	Title        string
	PublishedAt  time.Time
	Language     string
	BodyBytes    int64
	Truncated    bool // the body was longer than the size limit
	NotModified  bool // the server answered 304: nothing was parsed
	FetchedAt    time.Time
	NextFetchAt  time.Time // when to check the page again; zero = never (seeds are fetched every run)
	Error        string
}

// RefType is what a reference points at.
type RefType string

// The reference types.
const (
	RefVideo    RefType = "video"
	RefPlaylist RefType = "playlist"
	RefChannel  RefType = "channel"
)

// Reference kinds: how a page referenced a video, playlist or channel. The
// crawler stores one links row per (page, type, id, kind), so the kinds are
// a user-facing vocabulary, kept to this set; docs/extraction.md shows the
// markup behind each. Where two apply, the more specific wins: a thumbnail
// image is KindThumbnail and a URL wrapped in another site's URL is
// KindProxy wherever they sit, and a direct reference inside WordPress,
// lite-youtube or amp-youtube player markup takes that player's kind.
const (
	KindIframe         = "iframe"          // <iframe src=…/embed/ID> (also <frame>, <amp-iframe>)
	KindLazyIframe     = "lazy_iframe"     // a YouTube URL in an iframe's data-* attribute (data-src, data-lazy-src, data-cmp-src…) or srcdoc
	KindAnchor         = "anchor"          // <a href=…> or <area href=…>
	KindText           = "text"            // a URL pasted into the visible text
	KindScript         = "script"          // a URL in script text (JSON state, JS calls, document.write) or an on* handler; an IFrame Player API call
	KindMeta           = "meta"            // <meta>/<link> metadata: og:video, twitter:player, itemprop=embedUrl, app links
	KindJSONLD         = "json_ld"         // a URL in a JSON-LD block: VideoObject embedUrl/contentUrl/url, sameAs…
	KindOEmbed         = "oembed"          // <link type="application/json+oembed"> pointing at YouTube's oEmbed endpoint
	KindLiteYouTube    = "lite_youtube"    // <lite-youtube videoid=…> and what it wraps
	KindAMP            = "amp"             // <amp-youtube data-videoid=…>
	KindWordPress      = "wordpress"       // WordPress embed markup: wp-block-embed-youtube, Jetpack's embed-youtube, WP YouTube Lyte
	KindObject         = "object"          // <object data>, <param value>, <embed src>, <video>/<audio>/<source src>
	KindThumbnail      = "thumbnail"       // a thumbnail or storyboard image (i.ytimg.com/vi/ID/…), in any attribute, CSS or script; a self-hosted ID_mqdefault.jpg
	KindDataAttribute  = "data_attribute"  // a bare ID or a URL in a data-* or other attribute of YouTube player markup (never an element id)
	KindPlaylistMember = "playlist_member" // a video of a playlist the page references (--expand-playlists)
	KindProxy          = "proxy"           // a YouTube URL or ID carried by another site's URL: redirector, embed proxy, archive
)

// Reference is one YouTube thing a page refers to, and how.
type Reference struct {
	Type         RefType
	ID           string // video ID, playlist ID, or channel ID/handle/name
	Kind         string // one of the Kind constants
	URL          string // the URL as found, made absolute
	StartSeconds int    // from t= or start=; 0 when absent
	PlaylistID   string // a video URL that also names a playlist (list=)
	Context      string // anchor text or the text around a pasted URL
	InBody       bool   // in the article body rather than site chrome
}

// Extraction is what one HTML page yields.
type Extraction struct {
	Title        string
	CanonicalURL string
	Language     string
	PublishedAt  time.Time
	Refs         []Reference
	Links        []string // absolute http(s) out-links, fragments dropped, in page order
}

// VideoStatus is what YouTube said about a video.
type VideoStatus string

// The video statuses. Pending means not fetched yet (or a fetch was cut short
// by a block); Blocked means YouTube refused to answer this client, which
// says nothing about the video itself.
const (
	VideoPending       VideoStatus = "pending"
	VideoOK            VideoStatus = "ok"
	VideoPrivate       VideoStatus = "private"
	VideoRemoved       VideoStatus = "removed"
	VideoAgeRestricted VideoStatus = "age_restricted"
	VideoUnplayable    VideoStatus = "unplayable"
	VideoLiveUpcoming  VideoStatus = "live_upcoming"
	VideoBlocked       VideoStatus = "blocked"
	VideoError         VideoStatus = "error"
)

// Definitive reports whether the status describes the video itself, rather
// than our failure to learn about it.
func (s VideoStatus) Definitive() bool {
	switch s {
	case VideoPending, VideoBlocked, VideoError:
		return false
	}
	return true
}

// Video is a YouTube video's metadata as fetched.
type Video struct {
	ID            string
	Status        VideoStatus
	StatusReason  string // YouTube's reason text, or our error
	Title         string
	Description   string
	ChannelID     string
	ChannelTitle  string
	ChannelHandle string
	Duration      time.Duration
	ViewCount     int64
	PublishedAt   time.Time
	ThumbnailURL  string
	IsLive        bool
	IsUpcoming    bool
	Category      string
	Keywords      []string
	CaptionTracks []CaptionTrack // the captions YouTube offers; empty when none
	FetchedAt     time.Time
	// MetadataSource says where the metadata came from: MetadataPlayer,
	// MetadataOEmbed or MetadataDataAPI ("" counts as the player).
	MetadataSource string
	// CaptionTracksUnknown means the answer did not say which captions the
	// video offers (the Data API does not): CaptionTracks being empty is
	// then no news, and the tracks stored before are kept.
	CaptionTracksUnknown bool
}

// Playlist is a YouTube playlist as fetched: its videos, in order.
type Playlist struct {
	ID           string
	Status       VideoStatus // ok, removed, blocked or error
	StatusReason string
	Title        string
	Author       string
	VideoIDs     []string
	Truncated    bool // longer than the limit asked for
	FetchedAt    time.Time
}

// CaptionTrack is one caption track a video offers.
type CaptionTrack struct {
	Language     string // languageCode: "en", "pt-BR"
	Name         string // as YouTube names it: "English (auto-generated)"
	Generated    bool   // YouTube's automatic speech recognition
	Translatable bool   // YouTube can translate it (tlang=)
	URL          string // where to fetch it; not stored, valid for hours
}

// TranscriptStatus says what came of looking for a video's transcript.
type TranscriptStatus string

// The transcript statuses. Blocked and error are retried on the next run;
// the others stand until --refetch-transcripts.
const (
	TranscriptOK      TranscriptStatus = "ok"                // at least one transcript stored
	TranscriptNone    TranscriptStatus = "none"              // no track in the wanted languages (or none at all)
	TranscriptPoToken TranscriptStatus = "po_token_required" // the track needs a proof-of-origin token we cannot make
	TranscriptBlocked TranscriptStatus = "blocked"           // YouTube refused: empty body, HTML, 429
	TranscriptError   TranscriptStatus = "error"             // anything else (the reason is kept)
)

// Segment is one timed piece of a transcript.
type Segment struct {
	StartMs    int64
	DurationMs int64
	Text       string
}

// Transcript is one caption track's text.
type Transcript struct {
	VideoID        string
	Language       string // of the text (the translation's, with TranslatedFrom set)
	Generated      bool
	Name           string
	Source         string // how it was fetched: "timedtext:json3", "timedtext:srv3", "get_transcript"...
	TranslatedFrom string // the track's language, when YouTube translated it
	FetchedAt      time.Time
	Segments       []Segment
}

// Text is the whole transcript, its segments joined by spaces.
func (t *Transcript) Text() string {
	n := 0
	for _, s := range t.Segments {
		n += len(s.Text) + 1
	}
	b := make([]byte, 0, n)
	for i, s := range t.Segments {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, s.Text...)
	}
	return string(b)
}

// Errors reported by the stages. Callers test them with errors.Is.
var (
	// ErrNotHTML means a response was not an HTML page; it is recorded, not parsed.
	ErrNotHTML = errors.New("not an HTML page")
	// ErrUnreachable means a host's robots.txt could not be fetched (no
	// answer, 429 or 5xx): its pages wait for a later run.
	ErrUnreachable = errors.New("host unreachable")
)
