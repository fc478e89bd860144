package testserver

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// ytNoTranscript is the fake's get_transcript answer for a video it has
// no transcript file for: no actions, which kkdai reads as "transcript
// disabled". (No real answer of this kind was recorded anywhere public:
// see the corpus's synthetic/ get_transcript files.)
const ytNoTranscript = `{"responseContext":{},"actions":[]}`

// ytBadParams is YouTube's answer to params it cannot read.
const ytBadParams = `{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}`

// serveTranscript answers POST /youtubei/v1/get_transcript as kkdai
// v2.10.6 asks it (--transcript-fallback): the video and the language are
// in the protobuf of the body's params (transcriptParams). The answer is
// the override's Transcript, else testdata/youtube/get_transcript/<ID>.<lang>.json,
// else ytNoTranscript; a client identity refused with RefuseClient is
// refused here too, as YouTube refuses a retired client everywhere.
func (y *YouTube) serveTranscript(w http.ResponseWriter, r *http.Request, rec YouTubeRequest) {
	var body struct {
		Params string `json:"params"`
		innertubeClient
	}
	if !y.readBody(w, r, rec, &body) {
		return
	}
	id, lang, ok := transcriptParams(body.Params)
	rec.VideoID = id
	refused := y.admit(rec, body.innertubeClient)
	switch over := y.override(id).Transcript; {
	case !ok:
		ytWrite(w, r, &FakeResponse{Status: http.StatusBadRequest, Body: []byte(ytBadParams)}, ytJSON)
	case refused != nil:
		ytWrite(w, r, refused, ytJSON)
	case over != nil:
		ytWrite(w, r, over, ytJSON)
	default:
		body := []byte(ytNoTranscript)
		if b, err := os.ReadFile(filepath.Join(y.dir, "get_transcript", id+"."+lang+".json")); err == nil {
			body = b
		}
		ytWrite(w, r, &FakeResponse{Body: body}, ytJSON)
	}
}

// transcriptParams reads the video ID and the language out of the params
// of a get_transcript request, as kkdai v2.10.6 writes them: unpadded
// base64 of a protobuf whose field 1 is the ID and whose field 2 is the
// query-escaped, padded base64 of another, whose field 2 is the language
// (field 1 is "asr"). ok is false when params is not that.
func transcriptParams(params string) (id, lang string, ok bool) {
	outer, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(params, "="))
	if err != nil {
		return "", "", false
	}
	f := protoFields(outer)
	id = f[1]
	escaped, err := url.QueryUnescape(f[2])
	if err != nil || !ytVideoID.MatchString(id) {
		return "", "", false
	}
	inner, err := base64.StdEncoding.DecodeString(escaped)
	if err != nil {
		return "", "", false
	}
	lang = protoFields(inner)[2]
	return id, lang, ytLang.MatchString(lang)
}

// protoFields returns the length-delimited fields of the protobuf message
// b by number (the last of each), skipping varints; it stops at anything
// else, or at a field that runs past the end.
func protoFields(b []byte) map[int]string {
	f := make(map[int]string)
	for len(b) > 0 {
		key, n := protoVarint(b)
		if n == 0 {
			break
		}
		b = b[n:]
		switch key & 7 {
		case 0:
			_, n = protoVarint(b)
			if n == 0 {
				return f
			}
			b = b[n:]
		case 2:
			size, n := protoVarint(b)
			if n == 0 || size > uint64(len(b)-n) {
				return f
			}
			f[int(key>>3)] = string(b[n : n+int(size)])
			b = b[n+int(size):]
		default:
			return f
		}
	}
	return f
}

// protoVarint decodes the varint at the start of b and says how many
// bytes it took; 0 when b does not start with one.
func protoVarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}
