// Package extract finds what one HTML page says about YouTube: the videos,
// playlists and channels it references, its out-links, and a few facts about
// the page itself (title, canonical URL, language, publication time).
//
// Everything here is a pure function of the page bytes and its URL, so the
// crawler can re-run extraction on a stored page and tests need no network.
// Extract matches harvest.ExtractFunc; ParseURL classifies a single URL and is
// shared with the command line (ytharvest video URL).
//
// This is the first cut. It reads the forms a reader of the page would see:
// iframes (including lazy ones whose YouTube URL sits in a data-* attribute),
// links, and URLs pasted into the visible text. It does not yet read script
// text, JSON-LD videos, Open Graph tags, thumbnails, <object>/<embed>,
// lite-youtube/amp-youtube components, bare IDs in data attributes, or URLs
// wrapped in another site's URL; see ../../../shared/youtube-link-forms.md for
// the whole catalogue.
//
// The page is parsed once and walked once, in document order, carrying the
// state each node inherits from its ancestors (inside site chrome? inside the
// article body? inside a link?), so the cost stays linear in the size of the
// page however deep it nests. The files split by responsibility:
//
//   - extract.go: Extract, parsing and assembling the result;
//   - walk.go: the single tree walk and the per-element handlers;
//   - videoid.go, starttime.go: classifying a URL as a YouTube reference;
//   - text.go: URLs pasted into text, whitespace and context handling;
//   - body.go: article body versus site chrome;
//   - links.go: URL resolution and out-links;
//   - facts.go: title, canonical URL, language, publication time;
//   - loose.go: a forgiving tree builder for pages the HTML5 parser rejects.
package extract
