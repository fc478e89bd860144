package extract

import (
	"strings"

	"github.com/harvestdev/ytharvest/harvest"
)

// Pages that build their players with YouTube's IFrame Player API name the
// videos in script, often as bare IDs and with no YouTube URL anywhere on
// the page (the API itself may come from the site's own bundle):
//
//	new YT.Player('intro', {videoId: 'ID', playerVars: {start: 30, list: 'PL…'}})
//	player.loadVideoById('ID', 12)
//	player.cueVideoById({videoId: 'ID', startSeconds: 45})
//	player.loadPlaylist(['ID1', 'ID2'])
//	player.cuePlaylist({listType: 'playlist', list: 'PL…'})
//
// These names are the API's own, so a call to one of them with a literal
// argument is a reference (kind script). Only literals count: a variable,
// an expression or a template ('{{ id }}', 'VIDEO_ID_HE') names nothing,
// and the first argument of YT.Player is the element the player replaces,
// never a video. Nothing is executed; the arguments are read with a small
// reader of JavaScript literals, bounded in length and depth.

// apiMethod is one of the IFrame Player API's calls that name videos.
type apiMethod uint8

const (
	noAPI        apiMethod = iota
	ytPlayer               // new YT.Player(element, options)
	videoByID              // loadVideoById, cueVideoById
	playlistCall           // loadPlaylist, cuePlaylist
)

// Bounds on reading a call: its arguments are read up to maxCallLen bytes
// past the name, maxJSDepth levels of nesting and maxJSItems items in an
// array or object; past them the value counts as an expression. All the
// calls of one script read at most callBudget bytes between them, so that
// text made of unterminated calls costs a bounded multiple of its length,
// not maxCallLen bytes a call.
const (
	maxCallLen = 16 << 10
	maxJSDepth = 6
	maxJSItems = 256
)

// callBudget returns how many bytes the calls in a script of n bytes may
// read: twice the script, as calls nest (a loadVideoById inside the
// options of a YT.Player is read twice), and one whole call.
func callBudget(n int) int {
	return 2*n + maxCallLen
}

// apiName returns the API call whose name holds the 'y' or 'Y' at s[p],
// and the end of the name; noAPI when there is none. The name must be
// whole: "myloadVideoById" is some other function.
func apiName(s string, p int) (apiMethod, int) {
	var m apiMethod
	start, end := 0, 0
	switch c := s[p]; {
	case c == 'Y':
		if strings.HasPrefix(s[p:], "YT.Player") {
			m, start, end = ytPlayer, p, p+len("YT.Player")
		}
	case p >= 6 && s[p-1] == 'B' && strings.HasPrefix(s[p-6:], "VideoById"):
		switch {
		case p >= 10 && s[p-10:p-6] == "load":
			start = p - 10
		case p >= 9 && s[p-9:p-6] == "cue":
			start = p - 9
		default:
			return noAPI, 0
		}
		m, end = videoByID, p+len("yId")
	case p >= 3 && s[p-1] == 'a' && strings.HasPrefix(s[p-3:], "Playlist"):
		switch {
		case p >= 7 && s[p-7:p-3] == "load":
			start = p - 7
		case p >= 6 && s[p-6:p-3] == "cue":
			start = p - 6
		default:
			return noAPI, 0
		}
		m, end = playlistCall, p+len("ylist")
	}
	if m == noAPI || start > 0 && isIdentChar(s[start-1]) || end < len(s) && isIdentChar(s[end]) {
		return noAPI, 0
	}
	return m, end
}

// mayBeAPIName is the quick test in front of apiNameAt, inlined in the
// finder's loop: the byte after a 'Y' or before a 'y' that an API name
// has there ("YT", "By", "Pla").
func mayBeAPIName(s string, p int) bool {
	if s[p] == 'Y' {
		return p+1 < len(s) && s[p+1] == 'T'
	}
	return p >= 3 && (s[p-1] == 'B' || s[p-1] == 'a' && s[p-3] == 'P')
}

// apiNameAt reports whether an IFrame Player API name holds s[p].
func apiNameAt(s string, p int) bool {
	m, _ := apiName(s, p)
	return m != noAPI
}

// isIdentChar reports whether c may appear in a JavaScript identifier.
func isIdentChar(c byte) bool {
	return isLetter(c) || '0' <= c && c <= '9' || c == '_' || c == '$' || c >= 0x80
}

// apiCall reads the call whose name holds s[p] and passes the references
// its literal arguments make to emit. It reads at most *budget bytes, and
// takes what it reads from it.
func apiCall(s string, p int, budget *int, emit func(found)) {
	m, end := apiName(s, p)
	if m == noAPI || *budget <= 0 {
		return
	}
	r := jsReader{s: s, i: end, end: min(len(s), end+maxCallLen, end+*budget)}
	defer func() { *budget -= r.i - end }()
	r.space()
	if !r.eat('(') {
		return
	}
	args := r.list(')', 0)
	arg := func(i int) jsValue {
		if i < len(args) {
			return args[i]
		}
		return jsValue{}
	}
	switch m {
	case ytPlayer:
		opts := arg(1)
		vars := opts.field("playerVars")
		apiVideo(opts.field("videoId"), vars.field("start"), vars, emit)
		for _, id := range strings.Split(vars.field("playlist").stringValue(), ",") {
			apiVideo(jsValue{kind: jsString, text: strings.TrimSpace(id)}, jsValue{}, jsValue{}, emit)
		}
	case videoByID:
		if a := arg(0); a.kind == jsObject {
			apiVideo(a.field("videoId"), a.field("startSeconds"), jsValue{}, emit)
		} else {
			apiVideo(a, arg(1), jsValue{}, emit)
		}
	case playlistCall:
		switch a := arg(0); a.kind {
		case jsArray:
			for _, item := range a.vals {
				apiVideo(item, jsValue{}, jsValue{}, emit)
			}
		case jsString:
			apiVideo(a, jsValue{}, jsValue{}, emit)
		case jsObject:
			apiVideo(jsValue{}, jsValue{}, a, emit)
		}
	}
}

// apiVideo emits the video id names (a string literal), starting at
// start (a number or string literal), and the list that opts names
// (list and listType, as the playlist calls and playerVars take them):
// a playlist, or a user's uploads. Without a video, the list is a
// reference of its own.
func apiVideo(id, start, opts jsValue, emit func(found)) {
	list, listType := opts.field("list").stringValue(), opts.field("listType").stringValue()
	if !validPlaylistID(list) || !looksLikeID(list) {
		list = ""
	}
	switch listType {
	case "", "playlist":
	case "user_uploads":
		if name := opts.field("list").stringValue(); validChannelName(name) {
			emit(found{ref: harvest.Reference{Type: harvest.RefChannel, ID: "user/" + name, URL: userURL + name}})
		}
		list = ""
	default: // search: a query, not a list
		list = ""
	}
	if v := id.stringValue(); ValidVideoID(v) && looksLikeID(v) {
		f := bareVideo(v)
		if t := start.text; start.kind == jsNumber || start.kind == jsString {
			f.ref.StartSeconds, _ = parseTimestamp(t)
		}
		f.ref.PlaylistID = list
		emit(f)
		return
	}
	if list != "" {
		emit(found{ref: harvest.Reference{Type: harvest.RefPlaylist, ID: list, URL: playlistURL + list}})
	}
}

// jsKind is the kind of a value read from script text.
type jsKind uint8

const (
	jsOther  jsKind = iota // an identifier, a call, an expression: not a literal
	jsString               // 'text', "text", `text` without ${…}
	jsNumber
	jsArray
	jsObject
)

// jsValue is a literal read from script text.
type jsValue struct {
	kind jsKind
	text string    // a string's value, a number as written
	keys []string  // an object's keys
	vals []jsValue // an array's items, an object's values
}

// field returns the value of an object's key, or the zero value.
func (v jsValue) field(key string) jsValue {
	for i, k := range v.keys {
		if k == key {
			return v.vals[i]
		}
	}
	return jsValue{}
}

// stringValue returns a string literal's value, or "".
func (v jsValue) stringValue() string {
	if v.kind != jsString {
		return ""
	}
	return v.text
}

// jsReader reads JavaScript literals from s[i:end].
type jsReader struct {
	s      string
	i, end int
}

// space skips white space and comments.
func (r *jsReader) space() {
	for r.i < r.end {
		switch c := r.s[r.i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			r.i++
		case c == '/' && r.i+1 < r.end && r.s[r.i+1] == '/':
			k := strings.IndexByte(r.s[r.i:r.end], '\n')
			if k < 0 {
				r.i = r.end
				return
			}
			r.i += k + 1
		case c == '/' && r.i+1 < r.end && r.s[r.i+1] == '*':
			k := strings.Index(r.s[r.i+2:r.end], "*/")
			if k < 0 {
				r.i = r.end
				return
			}
			r.i += k + 4
		default:
			return
		}
	}
}

// eat skips c, the next character after white space, and reports whether
// it was there.
func (r *jsReader) eat(c byte) bool {
	r.space()
	if r.i < r.end && r.s[r.i] == c {
		r.i++
		return true
	}
	return false
}

// list reads comma-separated values up to the closing character, and
// skips it.
func (r *jsReader) list(closing byte, depth int) []jsValue {
	var vals []jsValue
	for len(vals) < maxJSItems {
		if r.eat(closing) {
			return vals
		}
		vals = append(vals, r.value(depth))
		if !r.eat(',') {
			r.eat(closing)
			return vals
		}
	}
	r.skip()
	return vals
}

// value reads one value. Anything but a literal, or a literal that an
// operator continues ('/embed/' + id), is jsOther and is skipped to the
// end of its expression.
func (r *jsReader) value(depth int) jsValue {
	r.space()
	if r.i >= r.end {
		return jsValue{}
	}
	var v jsValue
	switch c := r.s[r.i]; {
	case c == '\'' || c == '"' || c == '`':
		text, ok := r.str(c)
		if ok {
			v = jsValue{kind: jsString, text: text}
		}
	case '0' <= c && c <= '9' || c == '.' && r.i+1 < r.end && '0' <= r.s[r.i+1] && r.s[r.i+1] <= '9':
		start := r.i
		for r.i < r.end && ('0' <= r.s[r.i] && r.s[r.i] <= '9' || r.s[r.i] == '.') {
			r.i++
		}
		v = jsValue{kind: jsNumber, text: r.s[start:r.i]}
	case c == '[' && depth < maxJSDepth:
		r.i++
		v = jsValue{kind: jsArray, vals: r.list(']', depth+1)}
	case c == '{' && depth < maxJSDepth:
		r.i++
		v = r.object(depth + 1)
	}
	r.space()
	if v.kind == jsOther || r.i < r.end && strings.IndexByte(",)]}", r.s[r.i]) < 0 {
		r.skip()
		return jsValue{}
	}
	return v
}

// object reads the members of an object literal after its "{", and the
// closing "}". Shorthand members ({videoId}, methods, spreads) have no
// literal value and are skipped.
func (r *jsReader) object(depth int) jsValue {
	v := jsValue{kind: jsObject}
	for len(v.keys) < maxJSItems {
		if r.eat('}') {
			return v
		}
		key, ok := r.key()
		if ok && r.eat(':') {
			v.keys = append(v.keys, key)
			v.vals = append(v.vals, r.value(depth))
		} else {
			r.skip()
		}
		if !r.eat(',') {
			r.eat('}')
			return v
		}
	}
	r.skip()
	return v
}

// key reads an object key: an identifier, a string or a number.
func (r *jsReader) key() (string, bool) {
	r.space()
	if r.i >= r.end {
		return "", false
	}
	if c := r.s[r.i]; c == '\'' || c == '"' {
		return r.str(c)
	}
	start := r.i
	for r.i < r.end && isIdentChar(r.s[r.i]) {
		r.i++
	}
	return r.s[start:r.i], r.i > start
}

// str reads a string literal opened by quote q and returns its value,
// escapes undone. A template literal with a substitution is no literal.
func (r *jsReader) str(q byte) (string, bool) {
	start := r.i + 1
	escaped := false
	for k := start; k < r.end; k++ {
		switch c := r.s[k]; {
		case c == '\\':
			escaped = true
			k++
		case c == q:
			text := r.s[start:k]
			r.i = k + 1
			if q == '`' && strings.Contains(text, "${") {
				return "", false
			}
			if escaped {
				text = decodeJSEscapes(text)
			}
			return text, true
		case c == '\n' && q != '`':
			r.i = k
			return "", false
		}
	}
	r.i = r.end
	return "", false
}

// skip moves past the rest of the current expression: to the next ",",
// or to a closing bracket that it did not open, skipping strings and
// whatever nests.
func (r *jsReader) skip() {
	depth := 0
	for r.i < r.end {
		switch c := r.s[r.i]; c {
		case '\'', '"', '`':
			r.str(c)
			continue
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth == 0 {
				return
			}
			depth--
		case ',':
			if depth == 0 {
				return
			}
		case '/':
			if r.i+1 < r.end && (r.s[r.i+1] == '/' || r.s[r.i+1] == '*') {
				r.space()
				continue
			}
		}
		r.i++
	}
}
