package db_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/harvestdev/ytharvest/harvest"
)

// BenchmarkSavePage measures the writer's hot path: one transaction that
// updates a page, stores 5 references (new video stubs included) and
// queues 50 out-links.
func BenchmarkSavePage(b *testing.B) {
	ctx := context.Background()
	d, _ := MustOpenDB(b)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		u := fmt.Sprintf("https://news.example/p%d", i)
		if err := d.AddSeeds(ctx, []string{u}); err != nil {
			b.Fatal(err)
		}
		ps, err := d.NextPages(ctx, 1, 0, nil, nil)
		if err != nil || len(ps) != 1 {
			b.Fatalf("claim: %v %v", ps, err)
		}
		p := ps[0]
		p.State, p.HTTPStatus, p.Title = harvest.PageFetched, 200, "a page"
		var refs []harvest.Reference
		for j := range 5 {
			refs = append(refs, harvest.Reference{Type: harvest.RefVideo, ID: fmt.Sprintf("%06d%05d", i, j), Kind: harvest.KindIframe, InBody: true})
		}
		var out []harvest.Page
		for j := range 50 {
			out = append(out, harvest.Page{URL: fmt.Sprintf("https://news.example/p%d/l%d", i, j), Depth: 1})
		}
		st, err := d.SavePage(ctx, &p, refs, out)
		if err != nil || st.NewVideos != 5 || st.NewLinks != 5 || st.NewPages != 50 {
			b.Fatalf("SavePage = %+v, %v", st, err)
		}
	}
}
