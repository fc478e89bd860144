package extract

import (
	"slices"
	"strings"
	"testing"
)

func TestScanURLs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"Watch it here: https://youtu.be/H7xQm2Lp9sA.", []string{"https://youtu.be/H7xQm2Lp9sA"}},
		{"(see www.youtube.com/watch?v=H7xQm2Lp9sA)", []string{"www.youtube.com/watch?v=H7xQm2Lp9sA"}},
		{"youtu.be/H7xQm2Lp9sA, youtu.be/Ab3_-9xYz01; youtu.be/Cd5-_8wXy02!", []string{"youtu.be/H7xQm2Lp9sA", "youtu.be/Ab3_-9xYz01", "youtu.be/Cd5-_8wXy02"}},
		{`"HTTPS://YouTu.Be/Ef7xQm2Lp9s?t=23s"`, []string{"HTTPS://YouTu.Be/Ef7xQm2Lp9s?t=23s"}},
		{"[https://youtu.be/H7xQm2Lp9sA]", []string{"https://youtu.be/H7xQm2Lp9sA"}},
		{"'https://youtu.be/H7xQm2Lp9sA'?", []string{"https://youtu.be/H7xQm2Lp9sA"}},
		{"**https://youtu.be/H7xQm2Lp9sA**", []string{"https://youtu.be/H7xQm2Lp9sA"}},
		{"protocol-relative //www.youtube.com/embed/H7xQm2Lp9sA here", []string{"//www.youtube.com/embed/H7xQm2Lp9sA"}},
		{"Trailer Quelle  http://youtu.be/9LcmmeZ-V3g", []string{"http://youtu.be/9LcmmeZ-V3g"}},
		{"ends at a CJK stop https://youtu.be/H7xQm2Lp9sA。次", []string{"https://youtu.be/H7xQm2Lp9sA"}},
		{"ends at a tag-like <https://youtu.be/H7xQm2Lp9sA>", []string{"https://youtu.be/H7xQm2Lp9sA"}},
		// The scanner delimits; ParseURL decides. This one is delimited
		// but refused later.
		{"notyoutube.com/watch?v=H7xQm2Lp9sA", []string{"notyoutube.com/watch?v=H7xQm2Lp9sA"}},
		// A bare host is never a reference.
		{"on youtube.com.", nil},
		// Glued to a word or a path on the left: not a URL of its own.
		{"example.com/youtube.com-tips", nil},
		{"mail@youtube.com/x", nil},
		{"web.archive.org/web/2013/http://www.youtube.com/v/cLnFl7K8Tao", nil},
		{"ftp://youtu.be/H7xQm2Lp9sA", nil},
		{"the word YouTube alone", nil},
		{"", nil},
	} {
		var got []string
		scanURLs(tc.in, func(u textURL) { got = append(got, tc.in[u.start:u.end]) })
		if !slices.Equal(got, tc.want) {
			t.Errorf("scanURLs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTextBuf(t *testing.T) {
	var b textBuf
	b.add("  Hello,\n\t world ")
	b.add("\u00a0again\u3000and ")
	b.add("again")
	if got, want := b.String(), "Hello, world again and again"; got != want {
		t.Errorf("textBuf = %q, want %q", got, want)
	}
	b.reset(10)
	b.add("0123456789abcdef")
	if got := b.String(); got != "0123456789" {
		t.Errorf("limited textBuf = %q, want 10 bytes", got)
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("word ", 100)
	if got := clip(long, 200); len([]rune(got)) > 200 || strings.HasSuffix(got, " ") || !strings.HasSuffix(got, "word") {
		t.Errorf("clip(long, 200) = %q: want at most 200 characters ending on a whole word", got)
	}
	if got := clip("äöü", 2); got != "äö" {
		t.Errorf(`clip("äöü", 2) = %q, want "äö"`, got)
	}
	if got := clip("short", 200); got != "short" {
		t.Errorf(`clip("short", 200) = %q`, got)
	}
}

func TestWindow(t *testing.T) {
	before := strings.Repeat("a", 50) + " " + strings.Repeat("b", 80) + " lead in: "
	url := "https://youtu.be/H7xQm2Lp9sA"
	after := " then " + strings.Repeat("c", 80) + " " + strings.Repeat("d", 50)
	b := []byte(before + url + after)
	got := window(b, len(before), len(before)+len(url))
	if want := strings.Repeat("b", 80) + " lead in: " + url + " then " + strings.Repeat("c", 80); got != want {
		t.Errorf("window = %q\nwant %q", got, want)
	}
}
