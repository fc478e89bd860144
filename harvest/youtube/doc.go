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
package youtube
