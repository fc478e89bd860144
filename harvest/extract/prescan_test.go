package extract

import "testing"

func TestScanMarks(t *testing.T) {
	for _, tc := range []struct {
		page string
		want bool
	}{
		{`<p>Nothing to see here. Today is a day.</p>`, false},
		{`<a href="https://youtu.be/x">`, true},
		{`<a href="HTTPS://YOUTUBE.COM/x">`, true},
		{`<img src="//i.ytimg.com/vi/x/0.jpg">`, true},
		{`<div data-yt-id="x">`, true},
		{`<div DATA-YT-ID="x">`, true},
		{`<div data-ytid="x">`, true},
		{`<script>new YT.Player('p', {})</script>`, true},
		{`<script>p.loadVideoById(x)</script>`, true},
		{`<script>p.cueVideoById(x)</script>`, true},
		{`<script>p.loadPlaylist(x)</script>`, true},
		{`<script>p.cuePlaylist(x)</script>`, true},
		{`<p>My Playlist, by Video</p>`, false},
		{`<img src="/t/Ab3_-9xYz01_mqdefault.jpg">`, true},
		{`<img src="/t/x-default.WEBP">`, true},
		{`<link href="/default.css">`, false},
		{`<p>&#121;outu.be</p>`, true},
		{`<p>&#x79;</p>`, true},
		{`<p>&#89</p>`, true},
		{`<p>&#46;</p>`, true},
		{`<p>&#45;</p>`, true},
		{`<p>&period;</p>`, true},
		{`<p>&#8217; &#038; &#x2019; &#160; &amp; &nbsp; &#99999999999;</p>`, false},
		{"<p>you\x00tube</p>", true},
	} {
		if got := scanMarks([]byte(tc.page)).any(); got != tc.want {
			t.Errorf("scanMarks(%q).any() = %v, want %v", tc.page, got, tc.want)
		}
	}
}
