package harvest

import (
	"context"
	"errors"
	"time"
)

// EgressState is what is remembered of one way out to YouTube (direct, or
// one proxy) from one run to the next: how much it was used, how often
// YouTube blocked it, and until when it is benched. Label never holds a
// proxy's credentials.
type EgressState struct {
	Label        string    // "direct", or a proxy as scheme://host:port
	Requests     int64     // YouTube requests sent through it, over all runs
	Blocks       int64     // blocks met through it, over all runs
	Strikes      int       // blocks since its last good answer: the bench grows with them
	BenchedUntil time.Time // zero: not benched
	LastBlock    string    // the reason of its last block
	LastBlockAt  time.Time
}

// Where a video's metadata came from (videos.metadata_source).
const (
	MetadataPlayer  = "player"   // YouTube's player answer
	MetadataOEmbed  = "oembed"   // oEmbed only: title, channel, thumbnail; the status is not final
	MetadataDataAPI = "data_api" // the YouTube Data API v3
)

// ErrNoClient means YouTube refused every client identity the video
// source may speak as. A VideoSource returns it (wrapped) from Video; the
// video stage then stops asking, leaves the video as it was, and records
// the run failed.
var ErrNoClient = errors.New("YouTube refused every client identity ytharvest may speak as")

// VideoBatcher is a VideoSource that learns about many videos in one
// request (the YouTube Data API). The video stage hands it each batch of
// videos it is about to fetch; Video then answers from what it learnt, or
// asks YouTube itself for what it could not.
type VideoBatcher interface {
	// Prefetch learns what it can of the claimed videos. It returns
	// nothing: a failure only means Video asks for those videos itself.
	Prefetch(ctx context.Context, claims []VideoClaim)
	// BatchSize is how many videos one Prefetch request takes (50).
	BatchSize() int
}

// BlockTolerant is a VideoSource that still learns something while
// YouTube blocks its player requests (from oEmbed, from the Data API).
// While HasFallback is true, a block does not stop the video stage: the
// run is recorded blocked (exit 3) but goes on through the due videos,
// and the source makes no request through a blocked way out.
type BlockTolerant interface {
	HasFallback() bool
}

// prefetch hands a batch of claims to a VideoBatcher.
func (h *Harvester) prefetch(ctx context.Context, claims []VideoClaim) {
	if b, ok := h.Videos.(VideoBatcher); ok && len(claims) > 0 {
		b.Prefetch(ctx, claims)
	}
}

// claimLimit is how many videos to claim at once: two per worker, or a
// VideoBatcher's batch.
func (h *Harvester) claimLimit(workers int) int {
	if b, ok := h.Videos.(VideoBatcher); ok {
		return max(2*workers, b.BatchSize())
	}
	return 2 * workers
}

// goesOnBlocked reports whether the video stage carries on after a block.
func (h *Harvester) goesOnBlocked() bool {
	b, ok := h.Videos.(BlockTolerant)
	return ok && b.HasFallback()
}

// stop records that the source cannot go on.
func (s *videoStats) stop(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopped.Load() {
		s.reason = reason
		s.stopped.Store(true)
	}
}
