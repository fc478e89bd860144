package extract

import (
	"net/url"
	"testing"
)

func TestExtractText(t *testing.T) {
	base, _ := url.Parse("https://notes.example/2026/visit.txt")
	text := []byte("Notes on the state visit <b>not markup</b>\n\n" +
		"The arrival: https://youtu.be/H7xQm2Lp9sA?t=90 and, in Markdown, [the budget](https://www.youtube.com/watch?v=Zp4-eYc1UoM).\n" +
		"Not a video: https://example.com/watch?v=Zp4-eYc1UoM\n" +
		"Protocol-relative: //www.youtube.com/embed/k3Rt_vB8nQw\n")
	x, err := ExtractText(base, text)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"H7xQm2Lp9sA": 90, "Zp4-eYc1UoM": 0, "k3Rt_vB8nQw": 0}
	if len(x.Refs) != len(want) {
		t.Fatalf("ExtractText found %d references, want %d: %+v", len(x.Refs), len(want), x.Refs)
	}
	for _, r := range x.Refs {
		start, ok := want[r.ID]
		if !ok || r.Kind != "text" || !r.InBody || r.StartSeconds != start || r.Context == "" {
			t.Errorf("reference %+v; want kind text, in the body, start %d, with context", r, start)
		}
	}
	if len(x.Links) != 0 || x.Title != "" {
		t.Errorf("a text page has no links or title: %v %q", x.Links, x.Title)
	}
}
