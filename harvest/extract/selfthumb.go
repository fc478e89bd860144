package extract

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/harvestdev/ytharvest/harvest"
)

// Some sites build their players in script from a bare ID and host
// YouTube's thumbnails themselves, under the names YouTube gives them:
//
//	<div onclick="playClip('hero', 'ID')">
//	  <img src="/media/yt-thumbs/ID_mqdefault.jpg">
//
// A file named after one of YouTube's thumbnail variants (default,
// mqdefault, hqdefault, sddefault, maxresdefault) says "YouTube", but its
// stem alone is weak evidence: xyz_mqdefault.jpg is any site's file name,
// and an ID-like stem may be a hash. So such an image names a video only
// when a script on the page (an inline <script> or an on… handler) also
// passes the same 11-character token as a string argument to a call,
// which is how the page builds the player. The image is recorded during
// the walk as a tentative reference, and kept (kind thumbnail, with the
// image's URL) once the walk has found the call.

// thumbVariant is the part every variant's file name shares; the
// prefilter looks for it in image attributes.
const thumbVariant = "default."

// mayHoldSelfThumb reports whether attribute key of an element may name a
// self-hosted thumbnail: an image URL in src, srcset, poster, href, a
// <meta> content, inline CSS or a data-* attribute, whose value holds a
// variant's name.
func mayHoldSelfThumb(key, v string) bool {
	switch key {
	case "src", "srcset", "poster", "href", "content", "style":
	default:
		if !strings.HasPrefix(key, "data-") {
			return false
		}
	}
	return len(v) >= videoIDLen+len("_default.jpg") && strings.Contains(v, thumbVariant)
}

// selfThumbs records the self-hosted thumbnails that element n names as
// tentative references (see refs): their token must be passed by a call.
func (w *walker) selfThumbs(n *html.Node) {
	for i := range n.Attr {
		a := &n.Attr[i]
		if a.Namespace != "" || !mayHoldSelfThumb(a.Key, a.Val) {
			continue
		}
		v := a.Val
		for k := 0; ; {
			j := strings.Index(v[k:], thumbVariant)
			if j < 0 {
				break
			}
			j += k
			k = j + len(thumbVariant)
			id, lo, hi, ok := selfThumbAt(v, j)
			if !ok {
				continue
			}
			ref := bareVideo(id).ref
			if u := resolve(w.base, v[lo:hi]); isWebURL(u) {
				ref.URL = u.String()
			}
			w.add(found{ref: ref, via: viaThumbnail}, harvest.KindThumbnail)
			w.cands[len(w.cands)-1].needsCall = true
			if w.thumbIDs == nil {
				w.thumbIDs = make(map[string]bool)
			}
			w.thumbIDs[id] = false
		}
	}
}

// selfThumbAt reads the thumbnail file name around the "default." at
// v[j:]: TOKEN_VARIANT.EXT, TOKEN-VARIANT.EXT or TOKEN/VARIANT.EXT, with
// an image extension, the token whole (not the tail of a longer name) and
// looking generated. It returns the token and the bounds of the URL that
// holds it, which must not be one of YouTube's own (those are read as
// thumbnails already).
func selfThumbAt(v string, j int) (id string, lo, hi int, ok bool) {
	ext := v[j+len(thumbVariant):]
	n := 0
	for _, e := range [...]string{"jpg", "jpeg", "webp", "png"} {
		if hasPrefixFold(ext, e) && (len(ext) == len(e) || !isIDChar(ext[len(e)])) {
			n = len(e)
			break
		}
	}
	if n == 0 {
		return "", 0, 0, false
	}
	start := j
	for _, p := range [...]string{"maxres", "mq", "hq", "sd"} {
		if start >= len(p) && v[start-len(p):start] == p {
			start -= len(p)
			break
		}
	}
	if start < videoIDLen+1 {
		return "", 0, 0, false
	}
	if sep := v[start-1]; sep != '_' && sep != '-' && sep != '/' {
		return "", 0, 0, false
	}
	from := start - 1 - videoIDLen
	id = v[from : start-1]
	if from > 0 && isIDChar(v[from-1]) || !ValidVideoID(id) || !looksLikeID(id) {
		return "", 0, 0, false
	}
	lo, hi = from, j+len(thumbVariant)+n
	for lo > 0 && !urlDelim(v[lo-1]) {
		lo--
	}
	for hi < len(v) && !urlDelim(v[hi]) {
		hi++
	}
	if indexYT(v[lo:hi]) >= 0 {
		return "", 0, 0, false
	}
	return id, lo, hi, true
}

// urlDelim reports whether c ends a URL inside an attribute value: white
// space (srcset), quotes and parentheses (CSS url()), a comma (srcset).
func urlDelim(c byte) bool {
	return c <= ' ' || c == '"' || c == '\'' || c == '(' || c == ')' || c == ','
}

// findCalls marks the tokens of w.thumbIDs that a script under root
// passes to a call: the text of every <script> but JSON-LD, and every
// on… handler. It runs after the walk, and only on pages that have a
// self-hosted thumbnail.
func (w *walker) findCalls(root *html.Node) {
	n := root
	for n != nil {
		if n.Type == html.ElementNode {
			for i := range n.Attr {
				if a := &n.Attr[i]; a.Namespace == "" && strings.HasPrefix(a.Key, "on") {
					w.callArgs(a.Val)
				}
			}
			if n.DataAtom == atom.Script && !strings.Contains(strings.ToLower(attr(n, "type")), "json") {
				w.callArgs(childText(n))
			}
		}
		if n.FirstChild != nil {
			n = n.FirstChild
			continue
		}
		for n != root && n.NextSibling == nil {
			n = n.Parent
		}
		if n == root {
			return
		}
		n = n.NextSibling
	}
}

// callArgs marks the tokens of w.thumbIDs that script text s passes as a
// string argument to a call: 'ID' or "ID" inside the parentheses of a
// call, directly or in an array or object passed to it.
func (w *walker) callArgs(s string) {
	for i := 0; i+videoIDLen+2 <= len(s); i++ {
		q := s[i]
		if q != '\'' && q != '"' && q != '`' {
			continue
		}
		end := i + 1 + videoIDLen
		if end >= len(s) || s[end] != q {
			continue
		}
		tok := s[i+1 : end]
		if called, ok := w.thumbIDs[tok]; ok && !called && isCallArg(s, i, end+1) {
			w.thumbIDs[tok] = true
		}
		i = end
	}
}

// maxArgScan bounds how far back isCallArg looks for the call's opening
// parenthesis.
const maxArgScan = 512

// isCallArg reports whether the literal s[lo:hi] is an argument of a call:
// what follows it is ",", ")" or "]", and before it, past the other
// arguments (and an array or object that holds it), is the "(" of a call,
// with an identifier or a closing bracket before it. An assignment or the
// end of a statement in between says it is not (var ids = ['ID']).
func isCallArg(s string, lo, hi int) bool {
	k := hi
	for k < len(s) && isSpace(s[k]) {
		k++
	}
	if k == len(s) || s[k] != ',' && s[k] != ')' && s[k] != ']' && s[k] != '}' {
		return false
	}
	depth := 0
	for i := lo - 1; i >= 0 && lo-i <= maxArgScan; i-- {
		switch c := s[i]; c {
		case '\'', '"', '`':
			j := strings.LastIndexByte(s[:i], c)
			if j < 0 {
				return false
			}
			i = j
		case ')':
			depth++
		case ']', '}':
			if depth > 0 {
				depth++
			}
		case '[', '{':
			if depth > 0 {
				depth--
			}
		case '(':
			if depth > 0 {
				depth--
				continue
			}
			j := i - 1
			for j >= 0 && isSpace(s[j]) {
				j--
			}
			return j >= 0 && (isIdentChar(s[j]) || s[j] == ')' || s[j] == ']')
		case ';', '=':
			if depth == 0 {
				return false
			}
		}
	}
	return false
}
