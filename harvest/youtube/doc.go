// Package youtube fetches video metadata from YouTube and decides what
// YouTube's answer says about each video: ok, private, removed,
// age_restricted, unplayable, live_upcoming, or — when the answer says
// nothing about the video — blocked or error. Source implements
// harvest.VideoSource (with harvest.VideoBatcher and harvest.BlockTolerant).
//
// The player request is built here, as a client identity chosen from a
// table, not by kkdai/youtube: kkdai's identity is a package global, its
// body cannot carry what today's identities need, and it fetches the watch
// page for every video. Classify decides from the raw answers, since a
// block ("confirm you're not a bot") looks like an age gate to kkdai.
// Every request goes out through an egress (direct, or a proxy), whose
// chain is
//
//	cookies (YouTube hosts only) -> count -> rate limit -> per-request deadline -> NewRewrite -> transport or proxy
//
// NewRewrite sends YouTube's hosts to Options.BaseURL: a mirror, a
// recording proxy, or the fake in internal/testserver that tests and the
// demo use.
//
// Files:
//
//	identity.go    the client identities (the one table to change when YouTube moves), order, overrides
//	innertube.go   the player request, the visitor id, which identities YouTube refused
//	egress.go      egresses: benches (15 min, 1 h, 6 h) kept in a Store, picking one, counts
//	proxy.go       proxy URLs (http, https, socks5) and their labels without credentials
//	cookies.go     a Netscape cookies.txt, sent to YouTube's hosts only
//	source.go      Source: Video over egresses and identities; the answer while blocked
//	classify.go    Classify and Refusal: what an answer says
//	player.go      the player answer's fields, and filling a Video from them
//	oembed.go      oEmbed while the player is blocked, with its own breaker
//	dataapi.go     the YouTube Data API v3 client, its quota per Pacific-time day, Prefetch
//	apivideo.go    a videos.list item as a Video, statuses where the API says so
//	tracks.go      caption tracks: Tracks, Choose, CaptionURL, NeedsPoToken
//	transcripts.go Source.Transcripts: the caption fetches, blocks told from "no transcript"
//	timedtext.go   ParseTimedText: json3, srv3 and the legacy <transcript> XML
//	kkdai.go       kkdai's clients (playlists, get_transcript), speaking as the current identity
//	playlist.go    Source.Playlist
//	capture.go     the recorder of kkdai's answers
//	limit.go       the rate limiter and the per-request deadline
//	rewrite.go     NewRewrite
//	doctor.go      Source.Doctor: the checks of `ytharvest doctor`
package youtube
