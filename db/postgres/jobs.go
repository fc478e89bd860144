package postgres

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/harvestdev/ytharvest/harvest"
)

// The River queues: pages (host slices) and YouTube (videos and
// transcripts), so that each has its own number of workers per process.
const (
	QueuePages   = "pages"
	QueueYouTube = "youtube"
)

// uniqueStates are the job states in which a second job with the same
// key is not inserted: every state but the finished ones, so that a host
// or a video is queued again once its last job is done.
var uniqueStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// HostArgs is a host slice: fetch the queued pages of one host, one at a
// time and --delay apart, for up to a slice of time. There is at most one
// such job per host, so whichever workers run them, one request at a
// time goes to a host.
type HostArgs struct {
	Host string `json:"host" river:"unique"`
}

// Kind implements river.JobArgs.
func (HostArgs) Kind() string { return "ytharvest_host" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (HostArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueuePages, MaxAttempts: 10,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueStates}}
}

// VideoArgs is a video to fetch: its metadata, and then (as a
// TranscriptArgs job) its transcripts.
type VideoArgs struct {
	ID string `json:"id" river:"unique"`
}

// Kind implements river.JobArgs.
func (VideoArgs) Kind() string { return "ytharvest_video" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (VideoArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueYouTube, MaxAttempts: 5,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueStates}}
}

// TranscriptArgs is a playable video whose transcripts to fetch, with the
// caption tracks its fetch listed (their URLs are valid for hours, and
// are not stored).
type TranscriptArgs struct {
	ID     string                 `json:"id" river:"unique"`
	Tracks []harvest.CaptionTrack `json:"tracks"`
}

// Kind implements river.JobArgs.
func (TranscriptArgs) Kind() string { return "ytharvest_transcript" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (TranscriptArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueYouTube, MaxAttempts: 5,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueStates}}
}

// insertHostJobs queues a host slice for each host (one job per host
// at most: a host with a job already keeps it), in tx.
func (s *Store) insertHostJobs(ctx context.Context, tx pgx.Tx, hosts []string) error {
	hosts = slices.Clone(hosts)
	slices.Sort(hosts) // one order for every transaction: no deadlock on the unique index
	hosts = slices.Compact(hosts)
	params := make([]river.InsertManyParams, 0, len(hosts))
	for _, h := range hosts {
		params = append(params, river.InsertManyParams{Args: HostArgs{Host: h}})
	}
	return s.insertJobs(ctx, tx, params)
}

// insertVideoJobs queues a fetch of each video, in tx.
func (s *Store) insertVideoJobs(ctx context.Context, tx pgx.Tx, ids []string) error {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	params := make([]river.InsertManyParams, 0, len(ids))
	for _, id := range ids {
		params = append(params, river.InsertManyParams{Args: VideoArgs{ID: id}})
	}
	return s.insertJobs(ctx, tx, params)
}

func (s *Store) insertJobs(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	_, err := s.river.InsertManyTx(ctx, tx, params)
	return err
}
