package extract

import (
	"slices"
	"strings"
	"testing"
)

func TestIndexYT(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"", -1},
		{"youtu", 0},
		{"YOUTU", 0},
		{"a yOuTu.be", 2},
		{"i.ytimg.com", 2},
		{"I.YTIMG.COM", 2},
		{"yyyy youtub", 5},
		{"Yy Youtube", 3},
		{"you tube", -1},
		{"youtYoutu", 4},
		{strings.Repeat("y", 1000) + "outu", 999},
		{strings.Repeat("Y", 1000), -1},
	} {
		if got := indexYT(tc.in); got != tc.want {
			t.Errorf("indexYT(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestScanCode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`renderExternalContent("https://www.youtube.com/embed/Ms5oaY7biWM?&&&fs=1")`, []string{"https://www.youtube.com/embed/Ms5oaY7biWM?&&&fs=1"}},
		{`{"u":"https:\/\/youtu.be\/Ab3_-9xYz01\u0026t=5"}`, []string{"https://youtu.be/Ab3_-9xYz01&t=5"}},
		{`"\u003ca href=\"https://www.youtube.com/watch?v=ilkwxlt_TA8\u0026amp;list=PL6cactdCCnTLMpIQHMnRIP-VnijzmO-jK\"\u003e"`, []string{"https://www.youtube.com/watch?v=ilkwxlt_TA8&list=PL6cactdCCnTLMpIQHMnRIP-VnijzmO-jK"}},
		{`[Python playlist](https://www.youtube.com/watch?v=tBCdvX8MSRc)`, []string{"https://www.youtube.com/watch?v=tBCdvX8MSRc"}},
		{`background-image: url(//img.youtube.com/vi/B9PjBgWOkng/hqdefault.jpg)`, []string{"//img.youtube.com/vi/B9PjBgWOkng/hqdefault.jpg"}},
		{`url('https://img.youtube.com/vi/2GP6_x6m-vQ/hqdefault.jpg'), url('//cdn.example/x.png')`, []string{"https://img.youtube.com/vi/2GP6_x6m-vQ/hqdefault.jpg"}},
		{`<iframe src=&quot;//www.youtube.com/embed/TYGIMaP6ukg?wmode=opaque&amp;amp;enablejsapi=1&quot;>`, []string{"//www.youtube.com/embed/TYGIMaP6ukg?wmode=opaque&enablejsapi=1"}},
		{`https://cdn.embedly.com/widgets/media.html?src=https%3A%2F%2Fwww.youtube.com%2Fembed%2FIAoy3ia2ivI&url=x`, []string{"https://cdn.embedly.com/widgets/media.html?src=https%3A%2F%2Fwww.youtube.com%2Fembed%2FIAoy3ia2ivI&url=x"}},
		{`see youtu.be/H7xQm2Lp9sA.`, []string{"youtu.be/H7xQm2Lp9sA"}},
		{`'<iframe src="http://www.youtube.com/embed/' + v + '">'`, []string{"http://www.youtube.com/embed/"}},
		{`example.com/youtube.com-tips`, nil},
		{`["youtube.com","m.youtube.com"]`, []string{"youtube.com", "m.youtube.com"}},
		{`no hit at all`, nil},
	} {
		var got []string
		scanCode(tc.in, func(s string) { got = append(got, s) })
		if !slices.Equal(got, tc.want) {
			t.Errorf("scanCode(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
