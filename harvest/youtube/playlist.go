package youtube

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	kkdai "github.com/kkdai/youtube/v2"

	"github.com/harvestdev/ytharvest/harvest"
)

// playlistPage is about how many videos one browse answer lists.
const playlistPage = 100

// Playlist implements harvest.VideoSource: the videos of playlist id, at
// most max (0: all), through kkdai's GetPlaylistContext and the same
// egresses, rate limits and block detection as the metadata: a block
// benches the egress and the playlist is asked for through the next. A playlist
// that does not exist (or is private) is removed; a 429, a captcha or a
// consent page is blocked. The error is non-nil only when ctx ended.
func (s *Source) Playlist(ctx context.Context, id string, max int) (*harvest.Playlist, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.pool.load(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("could not read the egresses' benches; every egress is taken as up", "error", err)
	}
	for range len(s.pool.all) {
		e := s.pool.pick(false)
		if e == nil {
			break
		}
		pl, err := s.playlistVia(ctx, e, id, max)
		if err != nil || pl.Status != harvest.VideoBlocked {
			return pl, err
		}
		s.benchEgress(ctx, e, pl.StatusReason)
	}
	return &harvest.Playlist{ID: id, Status: harvest.VideoBlocked, StatusReason: "not asked: " + s.benchSummary(),
		FetchedAt: s.now().UTC()}, nil
}

// playlistVia lists a playlist through egress e.
func (s *Source) playlistVia(ctx context.Context, e *egress, id string, max int) (*harvest.Playlist, error) {
	c, err := kkdaiClient(ctx, e)
	if err != nil {
		return nil, err
	}
	defer func() { e.kk <- c }()
	c.rec.start()
	if max > 0 {
		c.rec.limitBrowse((max + playlistPage - 1) / playlistPage)
	}
	p, err := c.yt.GetPlaylistContext(ctx, "https://www.youtube.com/playlist?list="+id)
	a := c.rec.answer(err)
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	pl := &harvest.Playlist{ID: id, FetchedAt: s.now().UTC()}
	var ps kkdai.ErrPlaylistStatus
	switch {
	case err == nil || errors.Is(err, errBrowseLimit) && p != nil && len(p.Videos) > 0:
		pl.Status = harvest.VideoOK
		pl.Truncated = err != nil
	case errors.As(err, &ps):
		pl.Status, pl.StatusReason = harvest.VideoRemoved, ps.Reason
	default:
		pl.Status, pl.StatusReason = playlistFailure(a, err)
	}
	if p != nil && pl.Status == harvest.VideoOK {
		pl.Title, pl.Author = p.Title, p.Author
		for _, e := range p.Videos {
			if videoID.MatchString(e.ID) {
				pl.VideoIDs = append(pl.VideoIDs, e.ID)
			}
		}
		if max > 0 && len(pl.VideoIDs) > max {
			pl.VideoIDs, pl.Truncated = pl.VideoIDs[:max], true
		}
	}
	s.log.Debug("youtube playlist", "playlist", id, "status", pl.Status, "videos", len(pl.VideoIDs), "reason", pl.StatusReason)
	return pl, nil
}

// playlistFailure says why a playlist fetch failed: a block, or an error.
func playlistFailure(a Answer, err error) (harvest.VideoStatus, string) {
	for _, ex := range append(append([]Exchange(nil), a.Home...), a.Browse...) {
		if ex.Status == http.StatusTooManyRequests {
			return harvest.VideoBlocked, "playlist: HTTP 429 Too Many Requests"
		}
	}
	for _, ex := range a.Browse {
		// A consent or captcha page where JSON was expected.
		if b := trimLeft(ex.Body); ex.Status == http.StatusOK && len(b) > 0 && b[0] != '{' {
			if why := blockPage(b); why != "" {
				return harvest.VideoBlocked, "playlist: " + why
			}
		}
	}
	return harvest.VideoError, fmt.Sprintf("playlist: %v", describe(err))
}
