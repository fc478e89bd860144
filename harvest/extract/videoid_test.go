package extract

import (
	"testing"

	"github.com/harvestdev/ytharvest/harvest"
)

// parseURLCase is one row of the ParseURL table. want.URL is left empty
// in the table; the test expects the trimmed input (with "https:" in front
// of a protocol-relative one).
type parseURLCase struct {
	name string
	in   string
	ok   bool
	want harvest.Reference
}

func vid(id string) harvest.Reference { return harvest.Reference{Type: harvest.RefVideo, ID: id} }

func vidAt(id string, start int) harvest.Reference {
	r := vid(id)
	r.StartSeconds = start
	return r
}

func vidList(id, list string) harvest.Reference {
	r := vid(id)
	r.PlaylistID = list
	return r
}

func pl(id string) harvest.Reference { return harvest.Reference{Type: harvest.RefPlaylist, ID: id} }

func ch(id string) harvest.Reference { return harvest.Reference{Type: harvest.RefChannel, ID: id} }

// parseURLCases returns the table, built fresh on each call so that
// -count=2 cannot see a mutation. The examples are the real strings of
// ../../../shared/youtube-link-forms.md, by section number.
func parseURLCases() []parseURLCase {
	return []parseURLCase{
		// 1.1–1.3 watch URLs, hosts, v anywhere in the query.
		{"watch", "https://www.youtube.com/watch?v=_yyfvI8lsnY", true, vid("_yyfvI8lsnY")},
		{"watch mobile host", "https://m.youtube.com/watch?v=n1bIC90fvX0", true, vid("n1bIC90fvX0")},
		{"watch music host", "https://music.youtube.com/watch?v=MgNrAu2pzNs", true, vid("MgNrAu2pzNs")},
		{"watch bare host", "http://youtube.com/watch?v=BaW_jenozKc", true, vid("BaW_jenozKc")},
		{"watch kids host", "https://www.youtubekids.com/watch?v=3b8nCWDgZ6Q", true, vid("3b8nCWDgZ6Q")},
		{"v after feature", "https://www.youtube.com/watch?feature=player_embedded&v=BaW_jenozKc", true, vid("BaW_jenozKc")},
		{"empty pair before v", "https://www.youtube.com/watch?&v=BaW_jenozKc", true, vid("BaW_jenozKc")},
		{"list before v", "https://www.youtube.com/watch?list=PLW4ESJ8GdzRqt5nYEmeW6pMtuxXEMpKvE&feature=youtu.be&v=M9cJMXmQ_ZU", true, vidList("M9cJMXmQ_ZU", "PLW4ESJ8GdzRqt5nYEmeW6pMtuxXEMpKvE")},
		// 1.4 the src_vid trap, 1.5 two v params, 1.6 double-escaped ampersand.
		{"src_vid trap", "http://www.youtube.com/watch?annotation_id=annotation_518140&feature=iv&src_vid=2n5prI9L6G8&v=m9LNQV7cGIA", true, vid("m9LNQV7cGIA")},
		{"src_vid only", "http://www.youtube.com/watch?annotation_id=annotation_518140&src_vid=2n5prI9L6G8", false, harvest.Reference{}},
		{"two v params", "https://www.youtube.com/watch?v=YE7VzlLtp-4&v=BaW_jenozKc", true, vid("YE7VzlLtp-4")},
		{"amp;amp; escape", "https://www.youtube.com/watch?feature=player_embedded&amp;amp;v=V36LpHqtcDY", true, vid("V36LpHqtcDY")},
		// 1.7 popup and root forms.
		{"watch_popup", "https://www.youtube.com/watch_popup?v=63RmMXCd_bQ", true, vid("63RmMXCd_bQ")},
		{"root with v", "https://www.youtube.com/?v=63RmMXCd_bQ", true, vid("63RmMXCd_bQ")},
		// §0 characters after the 11.
		{"first 11 of longer", "https://www.youtube.com/watch?v=BaW_jenozKcsharePLED17F32AD9753930", true, vid("BaW_jenozKc")},
		{"trailing id char", "https://www.youtube.com/watch?v=-cdveCh1kQk-", true, vid("-cdveCh1kQk")},
		{"id starting with dashes", "http://www.youtube.com/v/--APdD6vejI?version=3", true, vid("--APdD6vejI")},
		// 1.9, 1.10 youtu.be.
		{"youtu.be", "https://youtu.be/94c9RvfvXOs", true, vid("94c9RvfvXOs")},
		{"youtu.be si", "https://youtu.be/dQw4w9WgXcQ?si=B_RZg_I-lLaa7UU-", true, vid("dQw4w9WgXcQ")},
		{"youtu.be t", "https://youtu.be/BZcgppBXBlU?t=18", true, vidAt("BZcgppBXBlU", 18)},
		{"youtu.be t=23s", "http://youtu.be/iJVqRYrkXWU?t=23s", true, vidAt("iJVqRYrkXWU", 23)},
		{"youtu.be underscore param", "https://youtu.be/jcBnqS4Fx2s?_=1", true, vid("jcBnqS4Fx2s")},
		{"youtu.be list", "https://youtu.be/yeWKywCrFtk?list=PL2qgrgXsNUG5ig9cat4ohreBjYLAPC0J5", true, vidList("yeWKywCrFtk", "PL2qgrgXsNUG5ig9cat4ohreBjYLAPC0J5")},
		{"youtu.be trailing paren", "https://youtu.be/-cdveCh1kQk)hello", true, vid("-cdveCh1kQk")},
		{"youtu.be no id", "https://youtu.be/", false, harvest.Reference{}},
		{"mixed-case scheme and host", "HTTPS://Youtu.be/9Dpqou5cI08?t=9s", true, vidAt("9Dpqou5cI08", 9)},
		{"upper-case host", "//www.YouTube.com/watch?v=yZIXLfi8CZQ", true, vid("yZIXLfi8CZQ")},
		{"host with trailing dot", "https://www.youtube.com./watch?v=yZIXLfi8CZQ", true, vid("yZIXLfi8CZQ")},
		// 1.11–1.17 path forms.
		{"embed oembed params", "https://www.youtube.com/embed/EA3SaIfSCg4?feature=oembed&wmode=opaque&enablejsapi=1&rel=0", true, vid("EA3SaIfSCg4")},
		{"embed odd query", "https://www.youtube.com/embed/Ms5oaY7biWM?&&&fs=1&enablejsapi=1", true, vid("Ms5oaY7biWM")},
		{"embed trailing slashes", "http://www.youtube.com/embed/M7lc1UVf-VE///?autoplay=1", true, vid("M7lc1UVf-VE")},
		{"embed protocol-relative", "//www.youtube.com/embed/M7lc1UVf-VE?autoplay=1&hl=zh_TW", true, vid("M7lc1UVf-VE")},
		{"embed start", "https://www.youtube.com/embed/4uyZSz9kVto?start=14", true, vidAt("4uyZSz9kVto", 14)},
		{"embed with list", "http://www.youtube.com/embed/_xDOZElKyNU?list=PLsyOSbh5bs16vubvKePAQ1x3PhKavfBIl", true, vidList("_xDOZElKyNU", "PLsyOSbh5bs16vubvKePAQ1x3PhKavfBIl")},
		{"nocookie embed", "https://www.youtube-nocookie.com/embed/Kd2q-MaHMWs?controls=2&rel=0", true, vid("Kd2q-MaHMWs")},
		{"nocookie bare host", "https://youtube-nocookie.com/embed/Kd2q-MaHMWs", true, vid("Kd2q-MaHMWs")},
		{"v path", "http://www.youtube.com/v/--APdD6vejI?version=3", true, vid("--APdD6vejI")},
		{"v path with ampersand", "http://www.youtube.com/v/oAf4maPIWW8&hl=de&fs=1", true, vid("oAf4maPIWW8")},
		{"googleapis v", "https://youtube.googleapis.com/v/BaW_jenozKc", true, vid("BaW_jenozKc")},
		{"e path", "https://www.youtube.com/e/BaW_jenozKc", true, vid("BaW_jenozKc")},
		{"watch path id", "https://www.youtube.com/watch/IOS2fqxwYbA", true, vid("IOS2fqxwYbA")},
		{"shorts", "https://www.youtube.com/shorts/BGQWPY4IigY", true, vid("BGQWPY4IigY")},
		{"live", "https://www.youtube.com/live/qVv6vCqciTM", true, vid("qVv6vCqciTM")},
		{"live with query", "https://www.youtube.com/live/rUxyKA_-grg?feature=share", true, vid("rUxyKA_-grg")},
		{"w path", "https://www.youtube.com/w/IOS2fqxwYbA", true, vid("IOS2fqxwYbA")},
		{"gaming host", "https://gaming.youtube.com/watch?v=BaW_jenozKc", true, vid("BaW_jenozKc")},
		{"shorts audio pivot", "https://www.youtube.com/source/Lyj-MZSAA9o/shorts", true, vid("Lyj-MZSAA9o")},
		{"fragment bang v", "https://www.youtube.com/#!v=BaW_jenozKc", true, vid("BaW_jenozKc")},
		{"fragment watch", "https://www.youtube.com/#/watch?v=BaW_jenozKc", true, vid("BaW_jenozKc")},
		{"tv fragment", "https://www.youtube.com/tv#/watch?v=BaW_jenozKc", true, vid("BaW_jenozKc")},
		// 1.20, 1.21, 5.8 YouTube's own wrappers.
		{"attribution link", "http://www.youtube.com/attribution_link?a=JdfC0C9V6ZI&u=%2Fwatch%3Fv%3DEhxJLojIE_o%26feature%3Dshare", true, vid("EhxJLojIE_o")},
		{"attribution link without u", "https://www.youtube.com/attribution_link?a=JdfC0C9V6ZI", false, harvest.Reference{}},
		{"consent page", "https://consent.youtube.com/m?continue=https%3A%2F%2Fwww.youtube.com%2Flive%2FqVv6vCqciTM%3Fcbrd%3D1&gl=NL", true, vid("qVv6vCqciTM")},
		{"consent page to elsewhere", "https://consent.youtube.com/m?continue=https%3A%2F%2Fexample.com%2F", false, harvest.Reference{}},
		{"oembed endpoint", "https://www.youtube.com/oembed?format=json&url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3DsrtMWzyqdp8%26t%3D42", true, vidAt("srtMWzyqdp8", 42)},
		{"oembed endpoint for another site", "https://www.youtube.com/oembed?url=https%3A%2F%2Fexample.com%2Fwatch%3Fv%3DsrtMWzyqdp8", false, harvest.Reference{}},
		// §7 timestamps.
		{"t hms", "https://www.youtube.com/watch?v=srtMWzyqdp8&t=1h2m3s", true, vidAt("srtMWzyqdp8", 3723)},
		{"t seconds suffix", "https://www.youtube.com/watch?v=srtMWzyqdp8&t=1965s", true, vidAt("srtMWzyqdp8", 1965)},
		{"t zero", "https://www.youtube.com/watch?v=qQOP6jqZqf8&list=PLqh1Mztq_-N2OnEXkdtF5yymcihwqG57y&index=2&t=0s", true, vidList("qQOP6jqZqf8", "PLqh1Mztq_-N2OnEXkdtF5yymcihwqG57y")},
		{"fragment t", "https://www.youtube.com/watch?v=srtMWzyqdp8#t=90", true, vidAt("srtMWzyqdp8", 90)},
		{"start beats t", "https://www.youtube.com/embed/srtMWzyqdp8?t=5&start=25", true, vidAt("srtMWzyqdp8", 25)},
		{"time_continue", "https://www.youtube.com/watch?v=srtMWzyqdp8&time_continue=42", true, vidAt("srtMWzyqdp8", 42)},
		{"bad t ignored", "https://www.youtube.com/watch?v=srtMWzyqdp8&t=soon", true, vid("srtMWzyqdp8")},
		// §2 playlists.
		{"playlist", "https://www.youtube.com/playlist?list=PLYp9kaw2Myave76qHleSoF4Is8OWSzHgn", true, pl("PLYp9kaw2Myave76qHleSoF4Is8OWSzHgn")},
		{"videoseries", "https://www.youtube.com/embed/videoseries?list=PLDEBB741B42EDED3D&rel=0", true, pl("PLDEBB741B42EDED3D")},
		{"videoseries protocol-relative", "//www.youtube.com/embed/videoseries?list=PLM0Ajq8FKzymzgdaCB8mVhWCJjVqhoeQ7", true, pl("PLM0Ajq8FKzymzgdaCB8mVhWCJjVqhoeQ7")},
		{"videoseries without list", "https://www.youtube.com/embed/videoseries", false, harvest.Reference{}},
		{"nocookie embed list no id", "https://www.youtube-nocookie.com/embed/?list=UU0zd0WX7SHXx3YAf-1dWayQ", true, pl("UU0zd0WX7SHXx3YAf-1dWayQ")},
		{"music album", "https://music.youtube.com/playlist?list=OLAK5uy_lEBUW9iTwqf0IlYPxZ8LrzpgqjAHZgZpM", true, pl("OLAK5uy_lEBUW9iTwqf0IlYPxZ8LrzpgqjAHZgZpM")},
		{"watch list no v", "https://www.youtube.com/watch?list=PLDEBB741B42EDED3D", true, pl("PLDEBB741B42EDED3D")},
		{"watch later list ignored", "https://www.youtube.com/watch?v=srtMWzyqdp8&list=WL", true, vid("srtMWzyqdp8")},
		{"playlist too short", "https://www.youtube.com/playlist?list=PL123", false, harvest.Reference{}},
		// §3 channels.
		{"channel", "https://www.youtube.com/channel/UCj0T_42lNUOVJgGX3c8Qr-g?sub_confirmation=1", true, ch("UCj0T_42lNUOVJgGX3c8Qr-g")},
		{"channel videos tab", "https://www.youtube.com/channel/UCaMe83Ur75Z379aP1eUUQeg/videos", true, ch("UCaMe83Ur75Z379aP1eUUQeg")},
		{"channel id too short", "https://www.youtube.com/channel/UCaMe83Ur75Z379aP1eUUQ", false, harvest.Reference{}},
		{"handle", "https://www.youtube.com/@KuluMedia", true, ch("@KuluMedia")},
		{"handle videos tab", "https://www.youtube.com/@kulturnews/videos", true, ch("@kulturnews")},
		{"handle with query", "https://www.youtube.com/@Gronkh?ucbcb=1", true, ch("@Gronkh")},
		{"custom name", "https://www.youtube.com/c/statisticsglobe", true, ch("c/statisticsglobe")},
		{"custom name unicode", "https://www.youtube.com/c/%EB%85%B8%EB%A7%88%EB%93%9C%EC%BD%94%EB%8D%94NomadCoders", true, ch("c/노마드코더NomadCoders")},
		{"user", "https://www.youtube.com/user/stuttgartlhs", true, ch("user/stuttgartlhs")},
		{"channel ID under user", "//youtube.com/user/UCn2Loo9pqw2e2H7FeK4klSA/videos", true, ch("UCn2Loo9pqw2e2H7FeK4klSA")},
		{"legacy vanity", "https://www.youtube.com/MacRumors", true, ch("MacRumors")},
		{"legacy vanity tab", "http://youtube.com/MrVG247/videos", true, ch("MrVG247")},
		{"legacy vanity on music host", "https://music.youtube.com/MacRumors", false, harvest.Reference{}},
		{"reserved first segment", "https://www.youtube.com/premium", false, harvest.Reference{}},
		{"reserved first segment with tab", "https://www.youtube.com/feed/subscriptions", false, harvest.Reference{}},
		{"file at the root", "https://www.youtube.com/favicon.ico", false, harvest.Reference{}},
		{"music browse playlist", "https://music.youtube.com/browse/VLPLRBp0Fe2GpgmgoscNFLxNyBVSFVdYmFkq", true, pl("PLRBp0Fe2GpgmgoscNFLxNyBVSFVdYmFkq")},
		{"live_stream channel", "https://www.youtube.com/embed/live_stream?channel=UCO7kohVnA8VzILzsnagXDHw&enablejsapi=1", true, ch("UCO7kohVnA8VzILzsnagXDHw")},
		{"live_stream bad channel", "https://www.youtube.com/embed/live_stream?channel=foo", false, harvest.Reference{}},
		{"user uploads embed", "https://www.youtube.com/embed?listType=user_uploads&list=aselacrafts", true, ch("user/aselacrafts")},
		// §8 look-alikes.
		{"embed no id", "https://www.youtube.com/embed/", false, harvest.Reference{}},
		{"embed no slash", "http://www.youtube.com/embed", false, harvest.Reference{}},
		{"ten-char id", "https://www.youtube.com/watch?v=N_708QY7Ob", false, harvest.Reference{}},
		{"ten-char id youtu.be", "https://youtu.be/jZViOEv90d", false, harvest.Reference{}},
		{"watch no v", "https://www.youtube.com/watch?feature=foo", false, harvest.Reference{}},
		{"watch only t", "https://www.youtube.com/watch?t=2372", false, harvest.Reference{}},
		{"watch empty", "https://www.youtube.com/watch?", false, harvest.Reference{}},
		{"search", "https://www.youtube.com/results?search_query=everardoherreracom", false, harvest.Reference{}},
		{"help page", "https://www.youtube.com/t/creative_commons", false, harvest.Reference{}},
		{"policy page", "https://www.youtube.com/howyoutubeworks/policies/community-guidelines/", false, harvest.Reference{}},
		{"iframe api", "https://www.youtube.com/iframe_api", false, harvest.Reference{}},
		{"iframe api versioned", "https://www.youtube.com/iframe_api?ver=4.9.10", false, harvest.Reference{}},
		{"bare host", "https://www.youtube.com", false, harvest.Reference{}},
		{"bare host slash", "https://youtube.com/", false, harvest.Reference{}},
		{"hashtag", "https://www.youtube.com/hashtag/news", false, harvest.Reference{}},
		{"feed", "https://www.youtube.com/feed/trending", false, harvest.Reference{}},
		{"clip", "https://www.youtube.com/clip/UgytZKpehg-hEMBSn3F4AaABCQ", false, harvest.Reference{}},
		{"embed videoseries as path id", "https://www.youtube.com/embed/live_stream", false, harvest.Reference{}},
		{"other site slug", "https://knowtechie.com/youtube-is-reportedly-going-to-stop-serving-targeted-ads-aimed-at-kids/", false, harvest.Reference{}},
		{"other site tag", "https://techcrunch.com/tag/youtube/", false, harvest.Reference{}},
		{"look-alike host", "https://notyoutube.com/watch?v=BaW_jenozKc", false, harvest.Reference{}},
		{"userinfo trick", "https://www.youtube.com@evil.example/watch?v=BaW_jenozKc", false, harvest.Reference{}},
		{"thumbnail host", "https://i.ytimg.com/vi/VEYVQmgWsIg/hqdefault.jpg", false, harvest.Reference{}},
		{"nocookie watch", "https://www.youtube-nocookie.com/watch?v=BaW_jenozKc", false, harvest.Reference{}},
		{"javascript scheme", "javascript:void('https://youtu.be/BaW_jenozKc')", false, harvest.Reference{}},
		{"app scheme", "vnd.youtube://www.youtube.com/watch?v=srtMWzyqdp8", false, harvest.Reference{}},
		{"relative", "/watch?v=4VfPvCI901c", false, harvest.Reference{}},
		{"no scheme", "youtu.be/H7xQm2Lp9sA", false, harvest.Reference{}},
		{"empty", "", false, harvest.Reference{}},
		{"placeholder id", "https://i.ytimg.com/vi/ID/hqdefault.jpg", false, harvest.Reference{}},
		{"template id", "http://www.youtube.com/embed/${id}", false, harvest.Reference{}},
	}
}

func TestParseURL(t *testing.T) {
	for _, tc := range parseURLCases() {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseURL(tc.in)
			if ok != tc.ok {
				t.Fatalf("ParseURL(%q) ok = %v, want %v (got %+v)", tc.in, ok, tc.ok, got)
			}
			if !ok {
				if got != (harvest.Reference{}) {
					t.Errorf("ParseURL(%q) = %+v with ok=false, want the zero Reference", tc.in, got)
				}
				return
			}
			want := tc.want
			want.URL = trimmedInput(tc.in)
			if got != want {
				t.Errorf("ParseURL(%q) =\n %+v\nwant\n %+v", tc.in, got, want)
			}
			if !validRef(got) {
				t.Errorf("ParseURL(%q) returned an invalid reference %+v", tc.in, got)
			}
		})
	}
}

// trimmedInput is the URL ParseURL is expected to report for input s.
func trimmedInput(s string) string {
	if len(s) > 1 && s[:2] == "//" {
		return "https:" + s
	}
	return s
}

func TestValidVideoID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"dQw4w9WgXcQ", true},
		{"--APdD6vejI", true},
		{"_yyfvI8lsnY", true},
		{"-_lO--gJ_Po", true},
		{"dQw4w9WgXc", false},   // 10
		{"dQw4w9WgXcQQ", false}, // 12
		{"dQw4w9WgXc!", false},
		{"dQw4w9WgXc=", false},
		{"videoseries", false},
		{"live_stream", false},
		{"watch_popup", false},
		{"", false},
		{"ééééé_", false},
	} {
		if got := ValidVideoID(tc.in); got != tc.want {
			t.Errorf("ValidVideoID(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"90", 90, true},
		{"90s", 90, true},
		{"0s", 0, true},
		{"1h2m3s", 3723, true},
		{"2m", 120, true},
		{"1m30", 90, true},
		{"12.5", 12, true},
		{"12.5s", 12, true},
		{"", 0, false},
		{"s", 0, false},
		{"1x", 0, false},
		{"-5", 0, false},
		{"999999999999", 0, false},
		{"99999h", 0, false},
	} {
		got, ok := parseTimestamp(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseTimestamp(%q) = %d, %v, want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
