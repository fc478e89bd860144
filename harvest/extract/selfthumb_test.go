package extract

import (
	"strings"
	"testing"
)

func TestSelfThumbAt(t *testing.T) {
	for _, tc := range []struct {
		in, id, url string
	}{
		{"/media/yt-thumbs/Ab3dEf9hIjK_mqdefault.jpg", "Ab3dEf9hIjK", "/media/yt-thumbs/Ab3dEf9hIjK_mqdefault.jpg"},
		{"https://cdn.example/yt/Ab3dEf9hIjK-maxresdefault.webp 1280w", "Ab3dEf9hIjK", "https://cdn.example/yt/Ab3dEf9hIjK-maxresdefault.webp"},
		{"background: url('/t/Ab3dEf9hIjK/hqdefault.JPG?v=2')", "Ab3dEf9hIjK", "/t/Ab3dEf9hIjK/hqdefault.JPG?v=2"},
		{"Ab3dEf9hIjK_default.png", "Ab3dEf9hIjK", "Ab3dEf9hIjK_default.png"},
		{"/x/Ab3dEf9hIjK_sddefault.jpeg", "Ab3dEf9hIjK", "/x/Ab3dEf9hIjK_sddefault.jpeg"},
		// not thumbnails
		{"/media/xyz_mqdefault.jpg", "", ""},                         // not an ID
		{"/media/my_Ab3dEf9hIjK_mqdefault.jpg", "", ""},              // the tail of a longer name
		{"/media/Ab3dEf9hIjK_mqdefault.gif", "", ""},                 // not a thumbnail's format
		{"/media/Ab3dEf9hIjK_mqdefault.jpgx", "", ""},                //
		{"/media/Ab3dEf9hIjKmqdefault.jpg", "", ""},                  // no separator
		{"/media/placeholder_mqdefault.jpg", "", ""},                 // a word
		{"/themes/default.css", "", ""},                              //
		{"https://i.ytimg.com/vi/Ab3dEf9hIjK/mqdefault.jpg", "", ""}, // YouTube's own: a thumbnail already
		{"/cache.php?u=%2F%2Fi.ytimg.com%2Fvi%2FAb3dEf9hIjK%2Fhqdefault.jpg", "", ""},
	} {
		j := strings.Index(tc.in, thumbVariant)
		id, lo, hi, ok := selfThumbAt(tc.in, j)
		url := ""
		if ok {
			url = tc.in[lo:hi]
		}
		if id != tc.id || url != tc.url || ok != (tc.id != "") {
			t.Errorf("selfThumbAt(%q) = %q, %q, %v, want %q, %q", tc.in, id, url, ok, tc.id, tc.url)
		}
	}
}

func TestIsCallArg(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{`playClip('hero', 'Ab3dEf9hIjK')`, true},
		{`playClip( 'Ab3dEf9hIjK' );`, true},
		{`return playClip('hero',"Ab3dEf9hIjK");`, true},
		{`clips.push(makeClip({el: 'side', id: "Ab3dEf9hIjK", start: 0}))`, true},
		{`playAll(['Cd5Ef7Gh9Ij', 'Ab3dEf9hIjK'])`, true},
		{`players[0]('x', f(1, 2), 'Ab3dEf9hIjK')`, true},
		{`play(a[0], 'Ab3dEf9hIjK')`, true},
		{`var featured = 'Ab3dEf9hIjK';`, false},
		{`var ids = ['Ab3dEf9hIjK'];`, false},
		{`var cfg = {id: 'Ab3dEf9hIjK'};`, false},
		{`x = f(1); y = 'Ab3dEf9hIjK', z`, false},
		{`if (id == 'Ab3dEf9hIjK') {}`, false},
		{`case 'Ab3dEf9hIjK': break`, false},
		{`'Ab3dEf9hIjK')`, false},
		{`(   'Ab3dEf9hIjK')`, false}, // a parenthesised expression, not a call
	} {
		lo := strings.Index(tc.in, "Ab3dEf9hIjK") - 1
		hi := lo + videoIDLen + 2
		if got := isCallArg(tc.in, lo, hi); got != tc.want {
			t.Errorf("isCallArg(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestSelfThumbsLarge checks that a page of many self-hosted thumbnails and
// many calls stays linear.
func TestSelfThumbsLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large page in -short mode")
	}
	var b strings.Builder
	b.WriteString("<article>")
	for i := range 20000 {
		id := "Ab3dEf" + strings.Repeat(string(rune('a'+i%26)), 1) + "hIjK"
		b.WriteString(`<img src="/t/` + id + `_mqdefault.jpg"><button onclick="play('x', '` + id + `')">p</button>`)
	}
	x, err := Extract(mustParseURL(t, fixtureBase), strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Refs) != 26 {
		t.Errorf("got %d references, want 26", len(x.Refs))
	}
}
