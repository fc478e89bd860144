package extract

import (
	"net/url"
	"testing"

	"github.com/harvestdev/ytharvest/harvest"
)

func TestLookup(t *testing.T) {
	type want struct {
		id   string
		via  via
		typ  harvest.RefType
		from int // StartSeconds
	}
	v := harvest.RefVideo
	for _, tc := range []struct {
		in   string
		want []want
	}{
		{"https://www.youtube.com/watch?v=Aa1Bb2Cc3Dd", []want{{"Aa1Bb2Cc3Dd", viaDirect, v, 0}}},
		{"youtu.be/Aa1Bb2Cc3Dd?t=5", []want{{"Aa1Bb2Cc3Dd", viaDirect, v, 5}}},
		{"vnd.youtube://www.youtube.com/watch?v=srtMWzyqdp8&feature=applinks", []want{{"srtMWzyqdp8", viaDirect, v, 0}}},
		{"vnd.youtube:9Dpqou5cI08", []want{{"9Dpqou5cI08", viaDirect, v, 0}}},
		{"youtube://LlbUwLx785k", []want{{"LlbUwLx785k", viaDirect, v, 0}}},
		{"android-app://com.google.android.youtube/http/www.youtube.com/watch?v=srtMWzyqdp8", []want{{"srtMWzyqdp8", viaDirect, v, 0}}},
		{"ios-app://544007664/vnd.youtube/www.youtube.com/watch?v=srtMWzyqdp8", []want{{"srtMWzyqdp8", viaDirect, v, 0}}},
		{"https://i.ytimg.com/vi/VEYVQmgWsIg/hqdefault.jpg", []want{{"VEYVQmgWsIg", viaThumbnail, v, 0}}},
		{"https://i4.ytimg.com/vi_webp/VEYVQmgWsIg/sddefault.webp", []want{{"VEYVQmgWsIg", viaThumbnail, v, 0}}},
		{"https://i.ytimg.com/an_webp/VEYVQmgWsIg/mqdefault_6s.webp", []want{{"VEYVQmgWsIg", viaThumbnail, v, 0}}},
		{"https://www.google.com/url?q=https%3A%2F%2Fyoutu.be%2FAa1Bb2Cc3Dd%3Ft%3D7", []want{{"Aa1Bb2Cc3Dd", viaProxy, v, 7}}},
		{"https://deadspin.example/embed/inset/iframe?id=youtube-video-LlbUwLx785k&start=3", []want{{"LlbUwLx785k", viaProxy, v, 3}}},
		{"https://web.archive.org/web/2013/http://www.youtube.com/v/cLnFl7K8Tao", []want{{"cLnFl7K8Tao", viaProxy, v, 0}}},
		{"https://web.archive.org/web/2013/http:/www.youtube.com/v/cLnFl7K8Tao", []want{{"cLnFl7K8Tao", viaProxy, v, 0}}},
		// Not references.
		{"https://i.ytimg.com/vi/ID/hqdefault.jpg", nil},
		{"https://i.ytimg.com/vi/VEYVQmgWsIgX/hqdefault.jpg", nil},
		{"https://s.ytimg.com/yts/img/favicon.ico", nil},
		{"https://www.youtube.com/results?search_query=x", nil},
		{"https://news.example/youtube-is-changing/", nil},
		{"https://news.example/?id=youtube-video-placeholder", nil},
		{"https://news.example/?id=myyoutube-LlbUwLx785k", nil},
		{"mailto:someone@youtube.com", nil},
	} {
		w := newWalker(&url.URL{Scheme: "https", Host: "news.example", Path: "/story"})
		var got []want
		w.lookup(tc.in, func(f found) {
			got = append(got, want{f.ref.ID, f.via, f.ref.Type, f.ref.StartSeconds})
		})
		if len(got) != len(tc.want) {
			t.Errorf("lookup(%q) = %+v, want %+v", tc.in, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("lookup(%q) = %+v, want %+v", tc.in, got, tc.want)
				break
			}
		}
	}
}

func TestLooksLikeID(t *testing.T) {
	for in, want := range map[string]bool{
		"dQw4w9WgXcQ": true,
		"cvcededObYE": true,
		"--APdD6vejI": true,
		"m9lnqv7cgia": true, // lower case and digits
		"placeholder": false,
		"video-embed": false,
		"VIDEO_ID_HE": false,
		"12345678901": false,
	} {
		if got := looksLikeID(in); got != want {
			t.Errorf("looksLikeID(%q) = %v, want %v", in, got, want)
		}
	}
}
