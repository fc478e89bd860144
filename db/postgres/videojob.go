package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/harvestdev/ytharvest/harvest"
)

// videoWorker fetches one video's metadata.
type videoWorker struct {
	river.WorkerDefaults[VideoArgs]
	w *Worker
}

// Work fetches the video and stores the answer, with a transcript job
// for a playable video whose transcript is wanted, in one transaction. A
// block snoozes the job (BlockedWait): it goes back to the queue for any
// worker, since a block is one egress's (one machine's IP, or one proxy)
// and another worker's may well answer. An error (no usable answer) is
// stored and retried with River's backoff. When YouTube refused every
// client identity the video stays as it was, its job goes back to the
// queue (snoozed, so never discarded) and the worker leaves the YouTube
// queue: a worker YouTube accepts does it.
func (vw *videoWorker) Work(ctx context.Context, job *river.Job[VideoArgs]) error {
	h := vw.w.opts.Harvester()
	if h == nil || h.Videos == nil {
		return river.JobSnooze(settingsWait)
	}
	if vw.w.stats.Refused.Load() {
		return river.JobSnooze(refusedWait) // taken up while the worker leaves the queue
	}
	id := job.Args.ID
	v, err := h.FetchVideo(ctx, id)
	switch {
	case errors.Is(err, harvest.ErrNoClient):
		vw.w.refuse(err)
		return river.JobSnooze(refusedWait)
	case err != nil:
		return river.JobSnooze(0) // the worker stops: the video goes back to the queue
	}
	if v.Status == harvest.VideoPending {
		// Not asked: this worker's egresses all rest.
		vw.w.stats.block(fmt.Sprintf("video %s: %s", id, v.StatusReason))
		return vw.w.blockedAgain(ctx, job.Metadata, id)
	}
	if err := vw.w.store.saveFetched(ctx, v, h.Transcripts); err != nil {
		return fmt.Errorf("save video %s: %w", id, err)
	}
	vw.w.opts.Log.Debug("video", "video", id, "status", v.Status, "title", v.Title)
	switch {
	case v.Status == harvest.VideoBlocked:
		vw.w.stats.VideosFailed.Add(1)
		vw.w.stats.block(fmt.Sprintf("video %s: %s", id, v.StatusReason))
		return vw.w.blockedAgain(ctx, job.Metadata, id)
	case v.Status.Definitive():
		vw.w.stats.VideosFetched.Add(1)
		return nil
	}
	vw.w.stats.VideosFailed.Add(1)
	return fmt.Errorf("video %s: %s", id, v.StatusReason)
}

// saveFetched stores a video's answer, marks it attempted, and queues its
// transcripts when it is playable and they are wanted and not stored yet.
func (s *Store) saveFetched(ctx context.Context, v *harvest.Video, transcripts bool) error {
	return pgx.BeginFunc(context.WithoutCancel(ctx), s.pool, func(tx pgx.Tx) error {
		if err := s.saveVideoTx(ctx, tx, v); err != nil {
			return err
		}
		var need bool
		err := tx.QueryRow(ctx, `
			UPDATE videos SET attempted_at = $2, fetch_attempts = fetch_attempts + 1 WHERE id = $1
			RETURNING status = 'ok' AND (transcript_status IS NULL OR transcript_status IN ('blocked', 'error'))`,
			v.ID, s.now()).Scan(&need)
		if err != nil || !need || !transcripts || !s.Transcripts {
			return err
		}
		return s.insertJobs(ctx, tx, []river.InsertManyParams{{Args: TranscriptArgs{ID: v.ID, Tracks: v.CaptionTracks}}})
	})
}

// transcriptWorker fetches one video's transcripts.
type transcriptWorker struct {
	river.WorkerDefaults[TranscriptArgs]
	w *Worker
}

// Work fetches the transcripts of the tracks the video's fetch listed
// and stores them. A block is stored (an ok transcript stands) and snoozes
// the job; an error is stored and retried with River's backoff.
func (tw *transcriptWorker) Work(ctx context.Context, job *river.Job[TranscriptArgs]) error {
	h := tw.w.opts.Harvester()
	if h == nil || h.Videos == nil {
		return river.JobSnooze(settingsWait)
	}
	if tw.w.stats.Refused.Load() {
		return river.JobSnooze(refusedWait)
	}
	v := &harvest.Video{ID: job.Args.ID, Status: harvest.VideoOK, CaptionTracks: job.Args.Tracks}
	ts, status, reason, err := h.FetchTranscripts(ctx, v)
	if err != nil {
		return river.JobSnooze(0)
	}
	if err := tw.w.store.SaveTranscripts(context.WithoutCancel(ctx), v.ID, status, reason, ts); err != nil {
		return fmt.Errorf("save transcripts of %s: %w", v.ID, err)
	}
	tw.w.stats.Transcripts.Add(int64(len(ts)))
	tw.w.opts.Log.Debug("transcripts", "video", v.ID, "status", status, "transcripts", len(ts), "reason", reason)
	switch status {
	case harvest.TranscriptBlocked:
		tw.w.stats.block(fmt.Sprintf("captions of video %s: %s", v.ID, reason))
		return tw.w.blockedAgain(ctx, job.Metadata, v.ID)
	case harvest.TranscriptError:
		return fmt.Errorf("transcripts of %s: %s", v.ID, reason)
	}
	return nil
}

// maxBlocked is how many times a video or transcript goes back to the
// queue because every worker that took it was blocked: about ten minutes
// at the default BlockedWait. Then its job is cancelled, so that the
// queue empties (workers with --until-idle end) while YouTube blocks them
// all; the video stays as it was, and the next `crawl --enqueue-only`
// queues it again.
const maxBlocked = 20

// blocksKey is the job metadata key that counts a job's blocks. River's
// own "snoozes" counts every snooze — a stopping worker's hand-back, a
// wait for the crawl's settings, a refused client — which are no blocks.
const blocksKey = "ytharvest_blocks"

// blockedAgain sends a blocked job back to the queue for BlockedWait, or
// gives it up after maxBlocked blocks.
func (w *Worker) blockedAgain(ctx context.Context, metadata []byte, id string) error {
	var m map[string]any
	json.Unmarshal(metadata, &m) // no count: the first time
	n, _ := m[blocksKey].(float64)
	blocks := int(n) + 1
	if blocks >= maxBlocked {
		return river.JobCancel(fmt.Errorf("video %s: blocked %d times; the next enqueue queues it again", id, blocks))
	}
	// Stored with the snooze; outside River's work context (never, but
	// for a test calling this directly) the count is not kept.
	river.MetadataSet(ctx, blocksKey, blocks)
	return river.JobSnooze(w.opts.BlockedWait)
}
