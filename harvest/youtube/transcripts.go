package youtube

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	kkdai "github.com/kkdai/youtube/v2"

	"github.com/harvestdev/ytharvest/harvest"
)

// maxCaptionBody bounds a caption answer; a long film's json3 is a few MB.
const maxCaptionBody = 16 << 20

// captionTracks returns the tracks the first answer that describes them
// offers: the player JSON, else the watch page.
func captionTracks(a Answer) []harvest.CaptionTrack {
	for _, exs := range [][]Exchange{a.Player, a.Watch} {
		for _, ex := range exs {
			if ex.Status != http.StatusOK || ex.Truncated {
				continue
			}
			ts, err := Tracks(ex.Body)
			if err != nil || len(ts) == 0 {
				continue
			}
			out := make([]harvest.CaptionTrack, len(ts))
			for i, t := range ts {
				out[i] = harvest.CaptionTrack{Language: t.Language, Name: t.Name, Generated: t.Generated,
					Translatable: t.Translatable, URL: t.BaseURL}
			}
			return out
		}
	}
	return nil
}

// Transcripts implements harvest.VideoSource: it chooses among v's
// caption tracks as Options.Captions says, and fetches each chosen track's
// timedtext URL itself, as json3, through the same rate-limited transport
// as the metadata. An empty 200, an HTML page or a 429 is a block, not "no
// transcript"; a track whose URL needs a proof-of-origin token (exp=xpe)
// is not fetched at all.
func (s *Source) Transcripts(ctx context.Context, v *harvest.Video) ([]harvest.Transcript, harvest.TranscriptStatus, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", "", err
	}
	offered, status, reason, err := s.offered(ctx, v)
	if err != nil || status != "" {
		return nil, status, reason, err
	}
	tracks := make([]Track, len(offered))
	for i, t := range offered {
		tracks[i] = Track{Language: t.Language, Name: t.Name, Generated: t.Generated, Translatable: t.Translatable, BaseURL: t.URL}
	}
	var o captionOutcome
	for _, t := range Choose(tracks, s.captions) {
		if err := s.fetchTrack(ctx, v.ID, t, &o); err != nil {
			return nil, "", "", err
		}
	}
	if len(o.out) == 0 && o.blocked == "" && s.fallback {
		tr, err := s.fallbackTranscript(ctx, v.ID)
		if ctx.Err() != nil {
			return nil, "", "", ctx.Err()
		}
		switch {
		case err == nil:
			o.out = append(o.out, *tr)
		case errors.Is(err, kkdai.ErrTranscriptDisabled):
			// YouTube has none to give: no transcript, not a failure
			// (which the next refresh would ask about again).
			if o.none == "" {
				o.none = err.Error()
			}
		case o.failed == "":
			o.failed = err.Error()
		}
	}
	switch {
	case len(o.out) > 0:
		return o.out, harvest.TranscriptOK, "", nil
	case o.blocked != "":
		return nil, harvest.TranscriptBlocked, o.blocked, nil
	case o.poToken != "":
		return nil, harvest.TranscriptPoToken, o.poToken, nil
	case o.failed != "":
		return nil, harvest.TranscriptError, o.failed, nil
	case o.none != "":
		return nil, harvest.TranscriptNone, o.none, nil
	case len(tracks) == 0:
		return nil, harvest.TranscriptNone, "the video offers no captions", nil
	}
	return nil, harvest.TranscriptNone, fmt.Sprintf("no caption track in %s", strings.Join(s.captions.langs(), ", ")), nil
}

// offered returns the caption tracks v offers: those its answer listed,
// or, when it came from the Data API, which lists none, the player's.
// A status (with its reason) says the player could not tell.
func (s *Source) offered(ctx context.Context, v *harvest.Video) ([]harvest.CaptionTrack, harvest.TranscriptStatus, string, error) {
	if !v.CaptionTracksUnknown {
		return v.CaptionTracks, "", "", nil
	}
	pv, err := s.playerVideo(ctx, v.ID)
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, "", "", ctx.Err()
	case err != nil:
		return nil, harvest.TranscriptError, "caption tracks: " + err.Error(), nil
	case pv.Status == harvest.VideoBlocked:
		return nil, harvest.TranscriptBlocked, "caption tracks: " + pv.StatusReason, nil
	case pv.Status != harvest.VideoOK:
		return nil, harvest.TranscriptError, "caption tracks: player said " + string(pv.Status) + ": " + pv.StatusReason, nil
	}
	return pv.CaptionTracks, "", "", nil
}

// captionOutcome gathers what fetching a video's chosen tracks gave: the
// transcripts, and the last reason of each kind of failure.
type captionOutcome struct {
	out                            []harvest.Transcript
	blocked, failed, poToken, none string
}

// fetchTrack fetches and parses track t of video id into o; it returns
// an error only when ctx ended.
func (s *Source) fetchTrack(ctx context.Context, id string, t Track, o *captionOutcome) error {
	if NeedsPoToken(t.BaseURL) {
		o.poToken = fmt.Sprintf("the %s track needs a proof-of-origin token (its URL has exp=xpe or exp=xpv)", t.Language)
		return nil
	}
	tlang := s.captions.TLang(t)
	u, err := CaptionURL(t, "json3", tlang)
	if err != nil {
		o.failed = err.Error()
		return nil
	}
	status, body, why, err := s.getCaptions(ctx, u)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	switch {
	case why != "":
		o.blocked = fmt.Sprintf("captions (%s): %s", t.Language, why)
		return nil
	case err != nil:
		o.failed = fmt.Sprintf("captions (%s): %v", t.Language, describe(err))
		return nil
	case status != http.StatusOK:
		o.failed = fmt.Sprintf("captions (%s): %s", t.Language, harvest.HTTPStatusText(status))
		return nil
	}
	format, segs, err := ParseTimedText(body)
	switch {
	case err != nil:
		o.failed = fmt.Sprintf("captions (%s): %v", t.Language, err)
		return nil
	case len(segs) == 0:
		o.none = fmt.Sprintf("the %s track has no text", t.Language)
		return nil
	}
	tr := harvest.Transcript{VideoID: id, Language: t.Language, Generated: t.Generated, Name: t.Name,
		Source: "timedtext:" + format, FetchedAt: s.now().UTC(), Segments: segments(segs)}
	if tlang != "" {
		tr.Language, tr.TranslatedFrom = tlang, t.Language
	}
	o.out = append(o.out, tr)
	return nil
}

// getCaptions fetches a caption URL through the egresses that are up: a
// block (a 429, an empty 200, a captcha or consent page where captions
// were expected) benches the egress and the URL is asked for through the
// next. why is the block when every egress is benched.
func (s *Source) getCaptions(ctx context.Context, u string) (status int, body []byte, why string, err error) {
	why = "not asked: every egress is benched"
	for range len(s.pool.all) {
		e := s.pool.pick(false)
		if e == nil {
			break
		}
		status, body, err = getVia(ctx, e, u)
		if err != nil {
			return status, body, "", err
		}
		b := captionBlock(status, body)
		if b == "" {
			s.pool.ok(ctx, e)
			return status, body, "", nil
		}
		why = b
		s.benchEgress(ctx, e, "captions: "+b)
	}
	return 0, nil, why, nil
}

// captionBlock says why a caption answer is a block, or "".
func captionBlock(status int, body []byte) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "HTTP 429 Too Many Requests"
	case status != http.StatusOK:
		return ""
	case len(bytes.TrimSpace(body)) == 0:
		return "empty answer"
	}
	if _, _, err := ParseTimedText(body); err != nil {
		return blockPage(body)
	}
	return ""
}

// getVia GETs u through egress e.
func getVia(ctx context.Context, e *egress, u string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("User-Agent", webUserAgent())
	resp, err := e.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxCaptionBody))
	return resp.StatusCode, body, err
}

// fallbackTranscript asks kkdai's get_transcript (auto-generated captions
// in the first wanted language only: kkdai hard-codes both).
func (s *Source) fallbackTranscript(ctx context.Context, id string) (*harvest.Transcript, error) {
	e := s.pool.pick(false)
	if e == nil {
		return nil, fmt.Errorf("get_transcript: not asked: %s", s.benchSummary())
	}
	c, err := kkdaiClient(ctx, e)
	if err != nil {
		return nil, err
	}
	defer func() { e.kk <- c }()
	lang := s.captions.langs()[0]
	vt, err := c.yt.GetTranscriptCtx(ctx, &kkdai.Video{ID: id}, lang)
	if err != nil {
		return nil, fmt.Errorf("get_transcript (%s): %w", lang, err)
	}
	var cs cues
	for _, sg := range vt {
		if err := cs.add(int64(sg.StartMs), int64(sg.Duration), sg.Text); err != nil {
			return nil, fmt.Errorf("get_transcript (%s): %w", lang, err)
		}
	}
	segs := cs.finish()
	if len(segs) == 0 {
		return nil, fmt.Errorf("get_transcript (%s): no text: %w", lang, kkdai.ErrTranscriptDisabled)
	}
	return &harvest.Transcript{VideoID: id, Language: lang, Generated: true, Source: "get_transcript",
		FetchedAt: s.now().UTC(), Segments: segments(segs)}, nil
}

func segments(segs []Segment) []harvest.Segment {
	out := make([]harvest.Segment, len(segs))
	for i, sg := range segs {
		out[i] = harvest.Segment{StartMs: sg.StartMs, DurationMs: sg.DurationMs, Text: sg.Text}
	}
	return out
}
