// Package youtube fetches video metadata from YouTube with
// github.com/kkdai/youtube/v2 and decides what YouTube's answer says about
// each video: ok, private, removed, age_restricted, unplayable,
// live_upcoming, or — when the answer says nothing about the video —
// blocked or error. Source implements harvest.VideoSource.
//
// kkdai keeps little of what YouTube says and reports some answers
// misleadingly (the "confirm you're not a bot" block comes back as "can't
// bypass age restriction"), so every client's transport captures the raw
// player, watch-page and home-page answers of the current call, and
// Classify decides from those. The transport chain of each kkdai Client is
//
//	recorder -> rate limiter (shared) -> per-request deadline -> NewRewrite -> Options.Transport
//
// NewRewrite sends YouTube's hosts to Options.BaseURL: a mirror, a
// recording proxy, or the fake in internal/testserver that tests and the
// demo use.
//
// Transcripts come from the caption tracks a player answer offers
// (Tracks): Choose picks them as Options.Captions says, CaptionURL asks
// for json3, and ParseTimedText reads json3, srv3 and the legacy
// <transcript> XML. Source.Transcripts fetches the tracks itself, through
// the same transport chain, and tells a block (an empty answer, an HTML
// page, a 429) from "no transcript".
package youtube
