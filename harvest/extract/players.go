package extract

import (
	"strings"

	"golang.org/x/net/html"

	"github.com/harvestdev/ytharvest/harvest"
)

// What markup says about YouTube players around a reference: whether an
// element names YouTube (a bare ID in its data-* attributes needs that,
// see bareIDs), and which player markup (WordPress embeds, lite-youtube,
// amp-youtube) encloses a node, whose kind its direct references take.
// Both are asked only where a reference or a bare ID is found, a few
// times a page, so they climb the tree then rather than being carried
// down it for every element.

// player is the player markup a node sits in.
type player uint8

const (
	noPlayer player = iota
	wordPressPlayer
	litePlayer
	ampPlayer
)

// kind returns the kind of the references that player markup p holds.
func (p player) kind() string {
	switch p {
	case wordPressPlayer:
		return harvest.KindWordPress
	case litePlayer:
		return harvest.KindLiteYouTube
	case ampPlayer:
		return harvest.KindAMP
	}
	return ""
}

// playerOf returns the player markup that encloses n (n included): the
// nearest element that is one.
func playerOf(n *html.Node) player {
	for ; n != nil; n = n.Parent {
		if p := ownPlayer(n); p != noPlayer {
			return p
		}
	}
	return noPlayer
}

// ownPlayer returns the player markup that element n is, if any: a
// WordPress YouTube embed wrapper (by its class or id), <lite-youtube>
// or <amp-youtube>.
func ownPlayer(n *html.Node) player {
	if n.Type != html.ElementNode {
		return noPlayer
	}
	if wordPressWrapper(n) {
		return wordPressPlayer
	}
	if n.DataAtom == 0 {
		switch n.Data {
		case "lite-youtube":
			return litePlayer
		case "amp-youtube":
			return ampPlayer
		}
	}
	return noPlayer
}

// wordPressWrapper reports whether element n wraps a WordPress YouTube
// embed: Gutenberg's YouTube block (wp-block-embed-youtube, or
// wp-block-embed with is-provider-youtube), Jetpack's embed-youtube span,
// WP YouTube Lyte (lyMe, lyte-wrapper, id="WYL_<ID>").
func wordPressWrapper(n *html.Node) bool {
	for i := range n.Attr {
		a := &n.Attr[i]
		if a.Namespace != "" {
			continue
		}
		switch a.Key {
		case "class":
			var wpEmbed, ytProvider bool
			for f := range strings.FieldsSeq(a.Val) {
				switch f {
				case "wp-block-embed-youtube", "embed-youtube", "lyMe", "lyte-wrapper":
					return true
				case "wp-block-embed":
					wpEmbed = true
				case "is-provider-youtube":
					ytProvider = true
				}
			}
			if wpEmbed && ytProvider {
				return true
			}
		case "id":
			if strings.HasPrefix(a.Val, "WYL_") {
				return true
			}
		}
	}
	return false
}

// nearYouTube reports whether element n, or one of its within nearest
// ancestors, names YouTube (see namesYouTube). The document itself
// counts as naming it: the elements at the top of the page (html, head,
// body) are taken to be near.
func nearYouTube(n *html.Node, within int) bool {
	for d := 0; d <= within && n != nil; d++ {
		switch n.Type {
		case html.DocumentNode:
			return true
		case html.ElementNode:
			if namesYouTube(n) {
				return true
			}
		}
		n = n.Parent
	}
	return false
}

// namesYouTube reports whether element n names YouTube: its tag
// (<lite-youtube>, <amp-youtube>, <youtube-video>), a class or its id,
// a data-* attribute's name (data-youtube-id) or a short value that is
// the name (data-provider="YouTube").
func namesYouTube(n *html.Node) bool {
	if n.DataAtom == 0 && indexYT(n.Data) >= 0 {
		return true
	}
	for i := range n.Attr {
		a := &n.Attr[i]
		if a.Namespace != "" {
			continue
		}
		switch {
		case a.Key == "class" || a.Key == "id":
			if indexYT(a.Val) >= 0 {
				return true
			}
		case strings.HasPrefix(a.Key, "data-"):
			if indexYT(a.Key) >= 0 {
				return true
			}
			if v := strings.TrimSpace(a.Val); len(v) <= 32 && hasPrefixFold(v, "youtu") {
				return true
			}
		}
	}
	return false
}
