package harvest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// videoRun is one run's video stage: it fetches the metadata (and
// transcripts) of due videos on VideoConcurrency workers, while the crawl
// runs and then until the queue is empty. On the first block it stops
// asking YouTube anything for the rest of the run (a circuit breaker): the
// videos not yet fetched stay pending for the next run.
type videoRun struct {
	h        *Harvester
	store    VideoStore
	source   VideoSource
	runStart time.Time // videos attempted since are not claimed again
	workers  int
	stats    videoStats
	trip     context.CancelFunc // the breaker: stops every YouTube request of the run
}

func (h *Harvester) newVideoRun(runStart time.Time) *videoRun {
	return &videoRun{h: h, store: h.VideoStore, source: h.Videos, runStart: runStart, workers: max(h.VideoConcurrency, 1)}
}

// work fetches videos until the queue is done: with fixed, exactly those;
// otherwise the due ones, claimed as the crawl stores pages (wake says it
// stored new videos) and once more after crawlDone.
func (v *videoRun) work(ctx context.Context, crawlDone, wake <-chan struct{}, fixed []VideoClaim) error {
	vctx, cancel := context.WithCancel(ctx)
	defer cancel()
	v.trip = cancel

	ids := make(chan VideoClaim)
	errc := make(chan error, v.workers)
	var wg sync.WaitGroup
	for range v.workers {
		wg.Go(func() {
			for c := range ids {
				if err := v.fetch(vctx, c); err != nil {
					errc <- err
					cancel()
					return
				}
			}
		})
	}
	var err error
	if fixed != nil {
		v.h.prefetch(vctx, fixed)
		send(vctx, ids, fixed)
	} else {
		err = v.dispatch(vctx, crawlDone, wake, ids)
	}
	close(ids)
	wg.Wait()
	close(errc)
	for e := range errc {
		// The first worker's failure stops the others, which often meet
		// the same one (a full disk) on their way out: report it once.
		if err == nil {
			err = e
		}
	}
	if err != nil && vctx.Err() != nil && ctx.Err() == nil && (v.stats.blocked.Load() || v.stats.stopped.Load()) {
		err = nil // cancelled by the breaker, not by a failure or the caller
	}
	return err
}

// send hands the claims to the workers until ctx ends.
func send(ctx context.Context, ids chan<- VideoClaim, claims []VideoClaim) bool {
	for _, c := range claims {
		select {
		case ids <- c:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// dispatch claims due videos (and expands due playlists) and hands them to
// the workers, until the crawl is done and nothing is due.
func (v *videoRun) dispatch(ctx context.Context, crawlDone, wake <-chan struct{}, ids chan<- VideoClaim) error {
	finished := false
	for {
		if v.h.ExpandPlaylists && !v.stats.blocked.Load() {
			if err := v.expandPlaylists(ctx); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
		batch, err := v.store.ClaimVideos(ctx, VideoQuery{
			StaleBefore: v.h.now().Add(-v.h.RefreshAfter), NotSince: v.runStart, Limit: v.h.claimLimit(v.workers),
			Transcripts: v.h.Transcripts, RefetchTranscripts: v.h.RefetchTranscripts,
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("claim videos: %w", err)
		}
		v.h.prefetch(ctx, batch)
		if !send(ctx, ids, batch) {
			return nil
		}
		if len(batch) > 0 {
			continue
		}
		if finished {
			return nil
		}
		select {
		case <-wake:
		case <-crawlDone:
			// One more pass picks up what the last pages added.
			finished = true
		case <-ctx.Done():
			return nil
		}
	}
}

// expandPlaylists lists the videos of the playlists that are due, so that
// the video stage fetches them like any referenced video. A block trips the
// breaker.
func (v *videoRun) expandPlaylists(ctx context.Context) error {
	ids, err := v.store.ClaimPlaylists(ctx, v.h.now().Add(-v.h.RefreshAfter), v.runStart, v.workers)
	if err != nil {
		return fmt.Errorf("claim playlists: %w", err)
	}
	for _, id := range ids {
		p, err := v.source.Playlist(ctx, id, v.h.MaxPlaylistVideos)
		if err != nil {
			return nil // ctx ended: the playlist stays due
		}
		if _, err := v.store.SavePlaylist(context.WithoutCancel(ctx), p); err != nil {
			return fmt.Errorf("save playlist %s: %w", id, err)
		}
		v.h.log().Debug("playlist", "playlist", id, "status", p.Status, "videos", len(p.VideoIDs), "reason", p.StatusReason)
		if p.Status == VideoBlocked {
			v.block(fmt.Sprintf("playlist %s: %s", id, p.StatusReason), "playlist", id, p.StatusReason)
			return nil
		}
	}
	return nil
}

// block records a block: summary is the run's error, what and id name
// the video or playlist for the log. It trips the breaker (no more
// YouTube requests this run) unless the source still learns something
// while blocked (BlockTolerant); the first block is logged either way.
func (v *videoRun) block(summary, what, id, reason string) {
	first := v.stats.block(summary)
	if v.h.goesOnBlocked() {
		if first {
			v.h.log().Warn("YouTube blocked us; the run goes on with what the fallbacks say", what, id, "reason", reason)
		}
		return
	}
	v.h.log().Warn("YouTube blocked us; no more YouTube requests this run", what, id, "reason", reason)
	v.trip()
}

// fetch fetches one video, stores the answer, and then its transcripts
// when they are wanted. It returns an error only when the store fails.
func (v *videoRun) fetch(ctx context.Context, c VideoClaim) error {
	video, err := v.source.Video(ctx, c.ID)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, ErrNoClient) {
			// Nothing more can be asked: the video stays as it was.
			v.stats.stop(err.Error())
			v.h.log().Error("no more YouTube requests this run", "error", err)
			v.trip()
		}
		return nil // ctx ended: the video stays due for the next run
	}
	if video.FetchedAt.IsZero() {
		video.FetchedAt = v.h.now()
	}
	// Store even when ctx was cancelled meanwhile: the answer is real.
	if err := v.store.SaveVideo(context.WithoutCancel(ctx), video); err != nil {
		return fmt.Errorf("save video %s: %w", c.ID, err)
	}
	if v.h.Progress != nil {
		v.h.Progress.VideosDone.Add(1)
	}
	switch {
	case video.Status == VideoPending: // not asked: every way out to YouTube is blocked
		v.block(fmt.Sprintf("video %s: %s", c.ID, video.StatusReason), "video", c.ID, video.StatusReason)
		return nil
	case video.Status == VideoBlocked:
		v.stats.failed.Add(1)
		v.block(fmt.Sprintf("video %s: %s", c.ID, video.StatusReason), "video", c.ID, video.StatusReason)
		return nil
	case video.Status.Definitive():
		v.stats.fetched.Add(1)
	default:
		v.stats.fail(c.ID, video.StatusReason)
		v.h.log().Debug("video failed", "video", c.ID, "status", video.Status, "reason", video.StatusReason)
	}
	v.h.log().Debug("video", "video", c.ID, "status", video.Status, "title", video.Title)
	if !c.NeedTranscript || video.Status != VideoOK {
		return nil
	}
	return v.transcripts(ctx, video)
}

// transcripts fetches and stores the transcripts of a playable video.
func (v *videoRun) transcripts(ctx context.Context, video *Video) error {
	ts, status, reason, err := v.source.Transcripts(ctx, video)
	if err != nil {
		return nil // ctx ended: the transcript stays due
	}
	if err := v.store.SaveTranscripts(context.WithoutCancel(ctx), video.ID, status, reason, ts); err != nil {
		return fmt.Errorf("save transcripts of %s: %w", video.ID, err)
	}
	v.stats.transcripts.Add(int64(len(ts)))
	v.h.log().Debug("transcripts", "video", video.ID, "status", status, "transcripts", len(ts), "reason", reason)
	if status == TranscriptBlocked {
		v.block(fmt.Sprintf("captions of video %s: %s", video.ID, reason), "video", video.ID, reason)
	}
	return nil
}

// videoStats counts a video stage's outcomes; safe for its workers.
type videoStats struct {
	fetched, failed atomic.Int64
	transcripts     atomic.Int64
	blocked         atomic.Bool
	stopped         atomic.Bool // the source cannot go on (ErrNoClient)
	mu              sync.Mutex
	reason          string            // the block's, or the stop's
	lastError       string            // the last failure's reason
	errors          map[string]string // video -> why its fetch failed
}

func (s *videoStats) fail(id, reason string) {
	s.failed.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastError = fmt.Sprintf("video %s: %s", id, reason)
	if s.errors == nil {
		s.errors = make(map[string]string)
	}
	s.errors[id] = reason
}

func (s *videoStats) errorReason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastError
}

// block records a block and reports whether it was the run's first.
func (s *videoStats) block(reason string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.blocked.Load() {
		return false
	}
	s.reason = reason
	s.blocked.Store(true)
	return true
}

func (s *videoStats) blockReason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}
