package db_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/harvestdev/ytharvest/harvest"
)

// fallbackVideos is a source that is blocked everywhere but still
// describes videos (as oEmbed does while the player is blocked), takes
// batches (as the Data API does), or refuses every client.
type fallbackVideos struct {
	fakeVideos
	fallback bool
	noClient bool

	bmu     sync.Mutex
	batches [][]string
}

func (f *fallbackVideos) HasFallback() bool { return f.fallback }
func (f *fallbackVideos) BatchSize() int    { return 50 }
func (f *fallbackVideos) Prefetch(_ context.Context, claims []harvest.VideoClaim) {
	var ids []string
	for _, c := range claims {
		ids = append(ids, c.ID)
	}
	f.bmu.Lock()
	f.batches = append(f.batches, ids)
	f.bmu.Unlock()
}

func (f *fallbackVideos) Video(ctx context.Context, id string) (*harvest.Video, error) {
	if f.noClient {
		return nil, fmt.Errorf("%w: ANDROID 19.44.38: HTTP 400", harvest.ErrNoClient)
	}
	v, err := f.fakeVideos.Video(ctx, id)
	if v != nil && f.blocked[id] {
		v.Status, v.Title, v.MetadataSource = harvest.VideoPending, "from oEmbed "+id, harvest.MetadataOEmbed
	}
	return v, err
}

// A source with a fallback: a block does not stop the stage; every video
// is asked (the source answers pending, with what oEmbed said), the run
// is blocked, statuses stay pending, titles are recorded; each claimed
// batch was handed to Prefetch first.
func TestBlockTolerantSource(t *testing.T) {
	web := &fakeWeb{pages: site(), fetched: map[string]int{}}
	ids := []string{"aaaaaaaaaaa", "bbbbbbbbbbb", "ccccccccccc", "ddddddddddd"}
	vids := &fallbackVideos{fakeVideos: fakeVideos{blocked: map[string]bool{}}, fallback: true}
	for _, id := range ids {
		vids.blocked[id] = true
	}
	h, d := newHarvester(t, web, vids)
	run, err := h.Run(context.Background(), []string{"http://site.test/"})
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != harvest.RunBlocked || run.VideosFailed != 0 {
		t.Errorf("run = %s, %d failed; want blocked, 0 failed (pending videos were not asked)", run.Status, run.VideosFailed)
	}
	slices.Sort(vids.asked)
	if !slices.Equal(vids.asked, ids) {
		t.Errorf("asked %q, want every video: a fallback keeps the stage going", vids.asked)
	}
	rows, err := d.SQL().Query(`SELECT status, title, metadata_source FROM videos ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var status, title, source string
		rows.Scan(&status, &title, &source)
		if status != "pending" || title == "" || source != "oembed" {
			t.Errorf("video %s %q %s, want pending with oEmbed's title", status, title, source)
		}
	}
	n := 0
	for _, b := range vids.batches {
		n += len(b)
	}
	if n != len(ids) {
		t.Errorf("Prefetch saw %d videos in %d batches, want %d", n, len(vids.batches), len(ids))
	}
}

// Every client refused: the stage stops, the video stays as it was, the
// run is failed with the source's words.
func TestSourceWithoutClient(t *testing.T) {
	web := &fakeWeb{pages: site(), fetched: map[string]int{}}
	vids := &fallbackVideos{noClient: true}
	h, d := newHarvester(t, web, vids)
	run, err := h.Run(context.Background(), []string{"http://site.test/"})
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != harvest.RunFailed || run.Error == "" || run.VideosFetched+run.VideosFailed != 0 {
		t.Errorf("run = %s %q (%d fetched, %d failed), want failed naming the refusal", run.Status, run.Error, run.VideosFetched, run.VideosFailed)
	}
	var pending int
	d.SQL().QueryRow(`SELECT count(*) FROM videos WHERE status = 'pending'`).Scan(&pending)
	if pending != 4 {
		t.Errorf("%d videos pending, want all 4", pending)
	}
}
