package extract

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/harvest"
)

func FuzzParseURL(f *testing.F) {
	for _, tc := range parseURLCases() {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, ok := ParseURL(s)
		if !ok {
			if ref != (harvest.Reference{}) {
				t.Errorf("ParseURL(%q) = %+v with ok=false", s, ref)
			}
			return
		}
		if !validRef(ref) {
			t.Errorf("ParseURL(%q) = %+v: invalid ID for its type", s, ref)
		}
		if ref.StartSeconds < 0 || ref.StartSeconds > maxStartSeconds {
			t.Errorf("ParseURL(%q) = %+v: start out of range", s, ref)
		}
		if ref.Kind != "" || ref.Context != "" || ref.InBody {
			t.Errorf("ParseURL(%q) = %+v: set fields that belong to the caller", s, ref)
		}
		// ParseURL is deterministic and its URL classifies the same way.
		again, ok := ParseURL(ref.URL)
		if !ok || again != ref {
			t.Errorf("ParseURL(%q) = %+v, but ParseURL of its URL = %+v, %v", s, ref, again, ok)
		}
	})
}

func FuzzExtract(f *testing.F) {
	pages, _ := filepath.Glob(filepath.Join(goldenDir, "*.html"))
	for _, p := range pages {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, tc := range parseURLCases() {
		f.Add([]byte(`<a href="` + tc.in + `">x</a><iframe src="` + tc.in + `"></iframe><p>see ` + tc.in + `.</p>`))
	}
	for _, s := range []string{
		`<base href="//other.example/x/"><a href="y">y</a>`,
		`<noscript><noscript><iframe src="https://www.youtube.com/embed/BItSgrSYAXA"></iframe></noscript></noscript>`,
		`<article><aside><a href="https://youtu.be/H7xQm2Lp9sA"><img alt="x"></a></aside></article>`,
		`<p>youtu.be/H7xQm2Lp9sA youtube.com/watch?v=Ab3_-9xYz01 //youtu.be/Cd5-_8wXy02</p>`,
		strings.Repeat("<div>", 600) + `<a href="https://youtu.be/H7xQm2Lp9sA">deep</a>`,
		`<script>x = "https:\/\/youtu.be\/H7xQm2Lp9sA\u0026t=1h2m3s"; y = '&quot;//i.ytimg.com/vi/Ab3_-9xYz01/0.jpg&quot;'</script>`,
		`<div class="video--youtube" data-video-id="Ab3_-9xYz01" id="youtube-H7xQm2Lp9sA" style="background:url(//img.youtube.com/vi/Cd5-_8wXy02/0.jpg)"></div>`,
		`<iframe src="https://cdn.embedly.com/widgets/media.html?src=https%253A%252F%252Fwww.youtube.com%252Fembed%252FH7xQm2Lp9sA%253Fstart%253D9&url=x"></iframe>`,
		`<a href="https://web.archive.org/web/1/http:/youtu.be/H7xQm2Lp9sA?t=5">a</a><a href="https://x.example/?id=youtube-video-H7xQm2Lp9sA&start=-1">b</a>`,
		`<lite-youtube videoid="H7xQm2Lp9sA" params="start=99999999999&list=PLDEBB741B42EDED3D"></lite-youtube><amp-youtube data-videoid="videoseries" data-live-channelid="UCO7kohVnA8VzILzsnagXDHw"></amp-youtube>`,
		`<meta property="al:ios:url" content="vnd.youtube:H7xQm2Lp9sA"><link type="application/json+oembed" href="https://www.youtube.com/oembed?url=https%3A%2F%2Fyoutu.be%2FH7xQm2Lp9sA">`,
		`<figure class="wp-block-embed is-provider-youtube"><div>https://youtu.be/H7xQm2Lp9sA</div></figure><div class="lyMe" id="WYL_Ab3_-9xYz01"></div>`,
		`<html><head><title>T</title></head><body><article><h1>T</h1><p>` + strings.Repeat("words, ", 100) + `</p></article><article><iframe src="//youtube.com/embed/H7xQm2Lp9sA"></iframe></article><base href="https://www.youtube.com/"><a href="/watch?v=Ab3_-9xYz01">w</a>`,
		`<script>new YT.Player('p', {videoId: 'H7xQm2Lp9sA', playerVars: {start: '1h', list: 'PLDEBB741B42EDED3D', playlist: 'Ab3_-9xYz01,,x'}}); p.cuePlaylist({listType: 'user_uploads', list: 'x'}); p.loadPlaylist([` + "`a`" + `, 'Ab3_-9xYz01'], /* c */ 1); p.loadVideoById({videoId: "\u0048\x37xQm2Lp9sA"</script><b onclick="p.cueVideoById('Cd5-_8wXy02', 9e9)">x</b>`,
		`<div data-video="%3Ciframe%20src%3D%22%2F%2Fyoutu.be%2FH7xQm2Lp9sA%3Ft%3D5%22" data-html="&amp;lt;iframe src=&amp;quot;https://youtu.be/Ab3_-9xYz01&amp;quot;&amp;gt;" onclick="f(decodeURIComponent('%253Ca%2520href%253D%2522https%253A%252F%252Fyoutu.be%252FCd5-_8wXy02%2522'))"></div>`,
		`<img src="/t/H7xQm2Lp9sA_mqdefault.jpg" srcset="a/Ab3_-9xYz01-maxresdefault.webp 2x, b_hqdefault.png"><i style="background:url(/Cd5-_8wXy02/sddefault.JPG)" onclick="play('H7xQm2Lp9sA', ['Ab3_-9xYz01'], {id: 'Cd5-_8wXy02'})"></i>`,
		`<title>H</title><meta property="og:type" content="video.other"><meta property="og:site_name" content="H"><main><h1>H</h1><article><iframe src="https://youtu.be/H7xQm2Lp9sA"></iframe></article><article>b</article></main>`,
	} {
		f.Add([]byte(s))
	}
	base := mustParseURL(f, fixtureBase)
	f.Fuzz(func(t *testing.T, page []byte) {
		x, err := Extract(base, bytes.NewReader(page))
		if err != nil {
			t.Fatalf("Extract: %v", err) // only a failing reader may fail
		}
		checkExtraction(t, x)
	})
}
