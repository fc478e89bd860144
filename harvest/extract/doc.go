// Package extract finds what one HTML page says about YouTube: the videos,
// playlists and channels it references, its out-links, and a few facts about
// the page itself (title, canonical URL, language, publication time).
//
// Everything here is a pure function of the page bytes and its URL, so the
// crawler can re-run extraction on a stored page and tests need no network.
// Extract matches harvest.ExtractFunc; ParseURL classifies a single URL and is
// shared with the command line (ytharvest video URL).
//
// Extract finds every reference a careful reader of the HTML would call
// one: iframes and their lazy-loading data-* attributes, links, URLs
// pasted into the text, player components (lite-youtube, amp-youtube),
// WordPress embeds, <object>/<embed> and <video> players, page metadata
// (Open Graph, Twitter cards, microdata, app links), JSON-LD, oEmbed links,
// thumbnails (in any attribute, CSS or script, and self-hosted ones whose
// ID a script call passes), URLs in script text and
// JSON state, IFrame Player API calls, encoded markup in attribute values,
// bare IDs in YouTube player markup, and other sites' URLs that
// wrap a YouTube one (redirectors, Embedly, site-own embed proxies, the
// Wayback Machine). Each Reference says how it was made (its Kind) and
// whether it sits in the article body or in site chrome.
// ../../docs/extraction.md describes the forms, the kinds, the body rules
// and the known limits; ../../../shared/youtube-link-forms.md catalogues
// the forms seen on real pages.
//
// Most pages of a crawl reference no video. A byte-level pre-scan finds
// the marks every reference starts from ("youtu", "ytimg", the IFrame
// Player API's names…); a page without them is not parsed into a tree:
// its out-links and facts are read from its tokens, in the order of the
// tree the HTML5 parser would build, by a tokenizer that follows
// x/net/html's and the parser's rules where they matter (the fast path).
//
// Any other page is parsed once and walked once, in document order,
// carrying the state each node inherits from its ancestors (inside site
// chrome? inside the article body? inside a link?), so the cost stays
// linear in the size of the page however deep it nests. A cheap prefilter
// ("youtu" or "ytimg" in the text or attribute) stands in front of every
// costlier test; inside site chrome only what can make a reference is
// read. The body decisions that need the whole page (which of several
// articles is the page's own; where the text is dense, on pages whose
// markup names no article) are made after the walk, on one record per
// block element. The files split by responsibility:
//
//   - extract.go: Extract, reading the page, the full path, assembling the
//     result;
//   - prescan.go: the marks a page must hold to make a reference;
//   - fastpath.go: the fast path: links and facts from the tokens;
//   - faststack.go, fasttables.go: the parser's stack of open elements, as
//     the fast path follows it, and where it gives up;
//   - tokens.go, scriptdata.go, tokvalues.go: the fast path's tokenizer,
//     the end of script data, attribute values and text as x/net/html
//     decodes them;
//   - walk.go: the single tree walk and the state it carries;
//   - pool.go: walkers kept from page to page;
//   - elements.go: what each element and attribute holds;
//   - players.go: markup that names YouTube, and the player around a node;
//   - classify.go: classifying a string found in the page (app links,
//     thumbnails, wrapper URLs);
//   - videoid.go, starttime.go: classifying a URL as a YouTube reference;
//   - scan.go: the prefilter, and URLs in code (scripts, JSON, CSS);
//   - playerapi.go: calls of YouTube's IFrame Player API in scripts;
//   - selfthumb.go: thumbnails a site hosts itself, and the calls that
//     confirm them;
//   - decode.go: undoing JSON escapes, HTML entities and percent-encoding,
//     bounded, where they wrap a URL or markup;
//   - text.go: text nodes, URLs pasted into text, whitespace and context;
//   - body.go: what an element's markup says about chrome and article
//     containers;
//   - names.go: what class names and ids say, classified once per page;
//   - content.go: records, text density and the page-wide body decision;
//   - links.go: URL resolution and out-links;
//   - facts.go: title, canonical URL, language, publication time;
//   - loose.go: a forgiving tree builder for pages the HTML5 parser rejects.
package extract
