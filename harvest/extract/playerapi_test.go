package extract

import (
	"fmt"
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/harvest"
)

// apiRefs returns the references the IFrame Player API calls in script
// text s make, one "type id start playlist" string each.
func apiRefs(s string) []string {
	var got []string
	budget := callBudget(len(s))
	scanScript(s, func(string) {}, func(s string, at int) {
		apiCall(s, at, &budget, func(f found) {
			got = append(got, fmt.Sprintf("%s %s %d %s", f.ref.Type, f.ref.ID, f.ref.StartSeconds, f.ref.PlaylistID))
		})
	})
	return got
}

func TestAPICalls(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"YT.Player videoId", `player = new YT.Player('intro', {height: '390', videoId: 'Ab3dEf9hIjK'});`,
			[]string{"video Ab3dEf9hIjK 0 "}},
		{"playerVars start and list", `new YT.Player(el, {"videoId": "Ab3dEf9hIjK", "playerVars": {"start": 30, "list": "PLx7Ud0hF3l9aQqK2mZpVtY1sR8wN4bC6e"}})`,
			[]string{"video Ab3dEf9hIjK 30 PLx7Ud0hF3l9aQqK2mZpVtY1sR8wN4bC6e"}},
		{"playerVars list alone", `new YT.Player('p', {playerVars: {listType: 'playlist', list: 'PLx7Ud0hF3l9aQqK2mZpVtY1sR8wN4bC6e'}})`,
			[]string{"playlist PLx7Ud0hF3l9aQqK2mZpVtY1sR8wN4bC6e 0 "}},
		{"playerVars playlist of videos", `new YT.Player('p', {videoId: 'Ab3dEf9hIjK', playerVars: {loop: 1, playlist: 'Cd5Ef7Gh9Ij,Kl1Mn3Op5Qr'}})`,
			[]string{"video Ab3dEf9hIjK 0 ", "video Cd5Ef7Gh9Ij 0 ", "video Kl1Mn3Op5Qr 0 "}},
		{"functions and comments in the options", `new YT.Player('p', {
			// the player
			events: {onReady: function (e) { e.target.setVolume(50); }, 'onStateChange': (e) => { if (e.data == 1) { log("x, y") } }},
			/* the video */ videoId: 'Ab3dEf9hIjK'
		})`, []string{"video Ab3dEf9hIjK 0 "}},
		{"a call inside the options", `new YT.Player('p', {events: {onReady: function (e) { e.target.cueVideoById('Cd5Ef7Gh9Ij'); }}})`,
			[]string{"video Cd5Ef7Gh9Ij 0 "}},
		{"loadVideoById with start", `player.loadVideoById("Ab3dEf9hIjK", 12.5)`, []string{"video Ab3dEf9hIjK 12 "}},
		{"cueVideoById object", `p.cueVideoById({'videoId': 'Ab3dEf9hIjK', 'startSeconds': 45, 'endSeconds': 60})`, []string{"video Ab3dEf9hIjK 45 "}},
		{"escaped string", `p.loadVideoById('Ab3dEf9hI\x6aK')`, []string{"video Ab3dEf9hIjK 0 "}},
		{"template literal", "p.loadVideoById(`Ab3dEf9hIjK`)", []string{"video Ab3dEf9hIjK 0 "}},
		{"loadPlaylist array", `p.loadPlaylist(['Ab3dEf9hIjK', "Cd5Ef7Gh9Ij", next], 1, 20)`, []string{"video Ab3dEf9hIjK 0 ", "video Cd5Ef7Gh9Ij 0 "}},
		{"cuePlaylist one video", `p.cuePlaylist('Ab3dEf9hIjK')`, []string{"video Ab3dEf9hIjK 0 "}},
		{"cuePlaylist object", `p.cuePlaylist({listType: 'playlist', list: 'PLx7Ud0hF3l9aQqK2mZpVtY1sR8wN4bC6e', index: 2})`,
			[]string{"playlist PLx7Ud0hF3l9aQqK2mZpVtY1sR8wN4bC6e 0 "}},
		{"user uploads", `p.loadPlaylist({listType: 'user_uploads', list: 'harbourfest'})`, []string{"channel user/harbourfest 0 "}},
		// not references
		{"search list", `p.cuePlaylist({listType: 'search', list: 'Harbour Festival 2024'})`, nil},
		{"the element is not a video", `new YT.Player('player_0001', {width: 640})`, nil},
		{"variables", `new YT.Player(el, {videoId: clips[i].id}); p.loadVideoById(nextId); p.loadPlaylist(ids)`, nil},
		{"expressions", `p.loadVideoById('Ab3dEf9hIj' + 'K'); p.loadVideoById(id || 'Ab3dEf9hIjK')`, nil},
		{"templates and placeholders", "p.loadVideoById('{{ clip.youtube_id }}'); p.loadVideoById(`${id}`); p.cueVideoById({videoId: 'VIDEO_ID_HE'}); p.cuePlaylist({list: 'PLAYLIST_ID_HERE'})", nil},
		{"shorthand and spread", `new YT.Player('p', {videoId, ...defaults})`, nil},
		{"other names", `YT.PlayerState.PLAYING; myloadVideoById('Ab3dEf9hIjK'); loadVideoByIdx('Ab3dEf9hIjK'); p.loadVideoByUrl('Ab3dEf9hIjK'); NYT.Player('x', {videoId: 'Ab3dEf9hIjK'})`, nil},
		{"definitions", `function loadVideoById(id, start) { return id; } var loadPlaylist = function (list) {}`, nil},
		{"no call", `var name = "loadVideoById"; p.loadVideoById`, nil},
		{"unterminated", `p.loadVideoById('Ab3dEf9hIjK`, nil},
	} {
		got := apiRefs(tc.in)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: apiRefs(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

// TestAPICallBounds checks that a call's arguments are read only so far:
// a videoId past maxCallLen bytes, or nested past maxJSDepth, is not read.
func TestAPICallBounds(t *testing.T) {
	far := `new YT.Player('p', {events: {onReady: function () {` + strings.Repeat("x();", maxCallLen/4) + `}}, videoId: 'Ab3dEf9hIjK'})`
	if got := apiRefs(far); len(got) != 0 {
		t.Errorf("videoId %d bytes past the name: got %q", len(far), got)
	}
	deep := `new YT.Player('p', ` + strings.Repeat(`{a: `, maxJSDepth) + `{videoId: 'Ab3dEf9hIjK'}` + strings.Repeat(`}`, maxJSDepth) + `)`
	if got := apiRefs(deep); len(got) != 0 {
		t.Errorf("nested %d deep: got %q", maxJSDepth+1, got)
	}
	// Many calls, each unterminated: the cost stays linear.
	many := strings.Repeat(`p.loadVideoById({videoId: [`, 20000)
	if got := apiRefs(many); len(got) != 0 {
		t.Errorf("unterminated calls: got %q", got)
	}
}

// TestAPICallKind checks that calls in scripts and handlers are kind
// script, and that calls need no YouTube URL on the page.
func TestAPICallKind(t *testing.T) {
	const page = `<div id="p"></div><script>new YT.Player('p', {videoId: 'Ab3dEf9hIjK'})</script>
		<button onclick="player.loadVideoById('Cd5Ef7Gh9Ij')">Next</button>`
	x, err := Extract(mustParseURL(t, fixtureBase), strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	checkExtraction(t, x)
	var got []string
	for _, r := range x.Refs {
		got = append(got, r.ID+" "+r.Kind)
	}
	want := []string{"Ab3dEf9hIjK " + harvest.KindScript, "Cd5Ef7Gh9Ij " + harvest.KindScript}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Extract = %q, want %q", got, want)
	}
}
