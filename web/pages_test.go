package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/internal/gendb"
	"github.com/harvestdev/ytharvest/web"
)

// perPage is web's page size for lists (perPage in pages.go).
const perPage = 50

var (
	videoLink = regexp.MustCompile(`<td><a href="/videos/([A-Za-z0-9_-]{11})">`)
	nextLink  = regexp.MustCompile(`<a href="([^"]*)" rel="next">`)
)

// Following the videos list's rel="next" links from the first page to
// the last shows every video that matches exactly once, perPage to a
// page but the last, and the last page has no next link. A page past the
// end is an empty list (200); past maxPage, or below 1, a 400.
func TestVideosPagination(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pages.db")
	// 123 videos: two full pages and 23 on a third.
	if err := gendb.Generate(ctx, path, gendb.Options{Videos: 123, Links: 400, Hosts: 3}); err != nil {
		t.Fatal(err)
	}
	d, err := db.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	srv := httptest.NewServer(web.New(d, web.Options{}))
	defer srv.Close()

	for _, tc := range []struct {
		start string
		where string // the SQL condition of the videos the list holds
	}{
		{"/videos", "1"},
		{"/videos?sort=views&order=asc", "1"},
		{"/videos?sort=published", "1"},
		{"/videos?status=ok", "status = 'ok'"},
	} {
		want := map[string]bool{}
		rows, err := d.SQL().QueryContext(ctx, "SELECT id FROM videos WHERE "+tc.where)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			want[id] = true
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if len(want) <= perPage {
			t.Fatalf("%s: %d videos match, want more than a page", tc.start, len(want))
		}
		pages := (len(want) + perPage - 1) / perPage

		seen := map[string]string{} // video → the page it was on
		u := tc.start
		for n := 1; ; n++ {
			if n > pages {
				t.Errorf("%s: page %d of %d has a next link, to %s", tc.start, n-1, pages, u)
				break
			}
			resp, body := get(t, srv, u)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %s", u, resp.Status)
			}
			ids := videoLink.FindAllStringSubmatch(body, -1)
			if wantRows := min(perPage, len(want)-(n-1)*perPage); len(ids) != wantRows {
				t.Errorf("GET %s (page %d of %d): %d videos, want %d", u, n, pages, len(ids), wantRows)
			}
			if !strings.Contains(body, fmt.Sprintf("page %d of %d", n, pages)) {
				t.Errorf("GET %s: the pager does not say page %d of %d", u, n, pages)
			}
			for _, m := range ids {
				if prev, ok := seen[m[1]]; ok {
					t.Errorf("%s: video %s is on %s and again on %s", tc.start, m[1], prev, u)
				}
				seen[m[1]] = u
				if !want[m[1]] {
					t.Errorf("GET %s: video %s does not match the list", u, m[1])
				}
			}
			next := nextLink.FindStringSubmatch(body)
			if next == nil {
				if n != pages {
					t.Errorf("%s: page %d of %d has no next link", tc.start, n, pages)
				}
				break
			}
			u = html.UnescapeString(next[1])
		}
		for id := range want {
			if _, ok := seen[id]; !ok {
				t.Errorf("%s: video %s is on no page", tc.start, id)
			}
		}
	}

	for _, tc := range []struct {
		path string
		code int
	}{
		{"/videos?page=4", http.StatusOK}, // the first past the end
		{"/videos?page=10000", http.StatusOK},
		{"/videos?status=ok&sort=views&page=99", http.StatusOK},
		{"/videos?page=10001", http.StatusBadRequest},
		{"/videos?page=0", http.StatusBadRequest},
	} {
		resp, body := get(t, srv, tc.path)
		if resp.StatusCode != tc.code {
			t.Errorf("GET %s: %s, want %d", tc.path, resp.Status, tc.code)
			continue
		}
		if ids := videoLink.FindAllString(body, -1); len(ids) > 0 {
			t.Errorf("GET %s: %d videos past the end", tc.path, len(ids))
		}
		if nextLink.MatchString(body) {
			t.Errorf("GET %s: a next link past the end", tc.path)
		}
	}
}

// The overview draws the new videos per day per site as an inline SVG
// chart, with a bar and a legend entry for each site.
func TestOverviewChart(t *testing.T) {
	srv := newServer(t, web.Options{})
	resp, body := get(t, srv, "/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %s", resp.Status)
	}
	svg := regexp.MustCompile(`(?s)<svg class="chart"[^>]*aria-label="New videos per day per site, [^"]*".*?</svg>\s*<ul class="legend">.*?</ul>`).FindString(body)
	if svg == "" {
		t.Fatalf("the overview has no chart of new videos per day per site:\n%s", body)
	}
	for _, want := range []string{"<rect ", "news.example (2)", "other.example (2)"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the overview's new-videos chart lacks %q:\n%s", want, svg)
		}
	}
}
