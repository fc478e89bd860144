package harvest

import (
	"strings"
	"testing"
)

func TestTagsEnd(t *testing.T) {
	tags := func(n int) string { return strings.Repeat("<b>", n) }
	pad := strings.Repeat(" ", MaxTags) // long enough to be counted
	tests := []struct {
		name string
		body string
		want int // -1: the whole body
	}{
		{"short", "<p>a</p>", -1},
		{"long, few tags", pad + tags(10), -1},
		{"exactly MaxTags", tags(MaxTags), -1},
		{"one more", tags(MaxTags) + "<i>", 3 * MaxTags},
		{"many more", tags(MaxTags) + "x" + tags(MaxTags), 3*MaxTags + 1},
	}
	for _, tc := range tests {
		got := tagsEnd([]byte(tc.body))
		want := tc.want
		if want < 0 {
			want = len(tc.body)
		}
		if got != want {
			t.Errorf("%s: tagsEnd = %d, want %d", tc.name, got, want)
		}
	}
}
