package youtube_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/harvest/youtube"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

// corpusDir holds real YouTube answers recorded by other projects (see its
// PROVENANCE.md). It lives beside the repository, not in it.
const corpusDir = "../../../shared/corpus/youtube"

// TestCorpus serves the real recordings through the fake YouTube and
// checks what Source makes of each.
func TestCorpus(t *testing.T) {
	if _, err := os.Stat(filepath.Join(corpusDir, "MANIFEST.tsv")); err != nil {
		t.Skipf("no recorded YouTube corpus at %s (%v): real-answer checks skipped", corpusDir, err)
	}
	read := func(t *testing.T, name string) []byte {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(corpusDir, name))
		if err != nil {
			t.Fatalf("corpus file: %v", err)
		}
		return data
	}
	type page struct {
		file   string
		status int // 0 = 200
	}
	for _, tc := range []struct {
		name          string
		id            string // the recording's video, or any ID when it names none
		player, watch page
		home          string
		status        harvest.VideoStatus
		reason        string
		check         func(t *testing.T, v *harvest.Video)
	}{
		{
			name:   "jdepoix ok",
			id:     "GJLlxj_dtq8",
			player: page{file: "jdepoix/youtube.innertube.json.static"},
			watch:  page{file: "jdepoix/youtube.html.static"},
			home:   "jdepoix/youtube.html.static",
			status: harvest.VideoOK,
			check: func(t *testing.T, v *harvest.Video) {
				want := harvest.Video{
					ID: "GJLlxj_dtq8", Status: harvest.VideoOK,
					Title:         "Surface Go Review - It’s Awesome",
					ChannelID:     "UCVYamHliCI9rw1tHR1xbkfw",
					ChannelTitle:  "Dave2D",
					ChannelHandle: "@Dave2D", // only the watch page's microformat has it
					Duration:      316 * time.Second,
					ViewCount:     1856109,
					PublishedAt:   time.Date(2018, 8, 2, 13, 0, 8, 0, time.UTC),
					ThumbnailURL:  "https://i.ytimg.com/vi/GJLlxj_dtq8/sddefault.jpg",
					Category:      "Science & Technology",
				}
				want.Description, want.Keywords, want.FetchedAt = v.Description, v.Keywords, v.FetchedAt
				want.MetadataSource = harvest.MetadataPlayer
				checkVideo(t, v, &want)
				if len(v.Keywords) != 15 || v.Keywords[0] != "Dave2D" {
					t.Errorf("Keywords = %q, want 15 starting with Dave2D", v.Keywords)
				}
				// MANIFEST: 8 manual languages and English auto-generated, named as runs.
				generated := 0
				for _, tr := range v.CaptionTracks {
					if tr.Generated {
						generated++
						if tr.Language != "en" || tr.Name != "English (auto-generated)" {
							t.Errorf("generated track = %+v", tr)
						}
					}
				}
				if len(v.CaptionTracks) != 9 || generated != 1 {
					t.Errorf("%d caption tracks (%d generated), want 9 (1)", len(v.CaptionTracks), generated)
				}
			},
		},
		{
			name:   "jdepoix ok, consent page as home",
			id:     "GJLlxj_dtq8",
			player: page{file: "jdepoix/youtube.innertube.json.static"},
			watch:  page{file: "jdepoix/youtube.html.static"},
			home:   "jdepoix/youtube_consent_page.html.static",
			status: harvest.VideoOK,
		},
		{
			name:   "jdepoix transcripts disabled",
			id:     "dsMFmonKDD4",
			player: page{file: "jdepoix/youtube_transcripts_disabled.innertube.json.static"},
			watch:  page{file: "jdepoix_old/youtube_transcripts_disabled.html.static"},
			status: harvest.VideoOK,
		},
		{
			name:   "jdepoix former live stream",
			id:     "Fjg5lYqvzUs",
			player: page{file: "jdepoix/youtube_transcripts_disabled2.innertube.json.static"},
			watch:  page{file: "jdepoix_old/youtube_transcripts_disabled2.html.static"},
			status: harvest.VideoOK,
			check: func(t *testing.T, v *harvest.Video) {
				if v.IsLive {
					t.Error("a finished live stream is reported live")
				}
			},
		},
		{
			name:   "jdepoix request blocked",
			id:     "Njp5uhTorCo",
			player: page{file: "jdepoix/youtube_request_blocked.innertube.json.static"},
			status: harvest.VideoBlocked,
			reason: "Sign in to confirm you’re not a bot",
		},
		{
			name:   "jdepoix age restricted",
			id:     "Njp5uhTorCo",
			player: page{file: "jdepoix/youtube_age_restricted.innertube.json.static"},
			watch:  page{file: "jdepoix_old/youtube_age_restricted.html.static"},
			status: harvest.VideoAgeRestricted,
			reason: "This video may be inappropriate for some users.",
			check: func(t *testing.T, v *harvest.Video) {
				if v.Title != "Laura Branigan - Self Control (Moreno J Remix) Age-restricted" || v.ChannelID != "UCJqyF-E8VW75fQz61ftchzg" {
					t.Errorf("metadata not kept: title %q, channel %q", v.Title, v.ChannelID)
				}
			},
		},
		{
			name:   "jdepoix video unavailable",
			id:     "Xc1Vb4Nm8Qa",
			player: page{file: "jdepoix/youtube_video_unavailable.innertube.json.static"},
			watch:  page{file: "jdepoix_old/youtube_video_unavailable.html.static"},
			status: harvest.VideoRemoved,
			reason: "This video is unavailable",
		},
		{
			name:   "jdepoix unplayable",
			id:     "Xc1Vb4Nm8Qa",
			player: page{file: "jdepoix/youtube_unplayable.innertube.json.static"},
			watch:  page{file: "jdepoix_old/youtube_unplayable.html.static"},
			status: harvest.VideoUnplayable,
			reason: "Custom Reason", // its error screen says "not a bot", but the status is CUSTOM
		},
		{
			name:   "pytube private",
			id:     "m8uHb5jIGN8",
			player: page{file: "pytube/m8uHb5jIGN8.android_player.json"},
			watch:  page{file: "pytube/m8uHb5jIGN8.watch.html"},
			status: harvest.VideoPrivate,
			reason: "This video is private.",
		},
		{
			name:   "pytube unplayable live recording",
			id:     "5YceQ8YqYMc",
			player: page{file: "pytube/5YceQ8YqYMc.android_player.json"},
			watch:  page{file: "pytube/5YceQ8YqYMc.watch.html"},
			status: harvest.VideoUnplayable,
			reason: "This live stream recording is not available.",
			check: func(t *testing.T, v *harvest.Video) {
				if v.Title != "Vatican Media Live" || v.ChannelTitle != "Vatican News" {
					t.Errorf("metadata not kept: title %q, channel %q", v.Title, v.ChannelTitle)
				}
			},
		},
		{
			name:   "pytube age restricted",
			id:     "irauhITDrsE",
			player: page{file: "pytube/irauhITDrsE.android_player.json"},
			watch:  page{file: "pytube/irauhITDrsE.watch.html"},
			status: harvest.VideoAgeRestricted,
			reason: "This video may be inappropriate for some users.",
		},
		{
			name:   "pytube ok, date-only publish date",
			id:     "2lAe1cqCOXo",
			player: page{file: "pytube/2lAe1cqCOXo.android_player.json"},
			watch:  page{file: "pytube/2lAe1cqCOXo.watch.html"},
			status: harvest.VideoOK,
			check: func(t *testing.T, v *harvest.Video) {
				if want := time.Date(2019, 12, 5, 0, 0, 0, 0, time.UTC); !v.PublishedAt.Equal(want) {
					t.Errorf("PublishedAt = %v, want %v (from the date-only microformat)", v.PublishedAt, want)
				}
				if v.Title != "YouTube Rewind 2019: For the Record | #YouTubeRewind" || v.Category != "Entertainment" {
					t.Errorf("title %q, category %q", v.Title, v.Category)
				}
				if v.ChannelHandle != "" {
					t.Errorf("ChannelHandle = %q, want none for a /user/ profile URL", v.ChannelHandle)
				}
			},
		},
		{
			name:   "pytube ok, 13 caption tracks",
			id:     "QRS8MkLhQmM",
			player: page{file: "pytube/QRS8MkLhQmM.android_player.json"},
			watch:  page{file: "pytube/QRS8MkLhQmM.watch.html"},
			status: harvest.VideoOK,
		},
		{
			name:   "pytube ok, music video",
			id:     "WXxV9g7lsFE",
			player: page{file: "pytube/WXxV9g7lsFE.android_player.json"},
			watch:  page{file: "pytube/WXxV9g7lsFE.watch.html"},
			status: harvest.VideoOK,
		},
		{
			name:   "too many requests as 429",
			id:     "GJLlxj_dtq8",
			player: page{file: "jdepoix/youtube_too_many_requests.html.static", status: http.StatusTooManyRequests},
			status: harvest.VideoBlocked,
			reason: "player: HTTP 429 Too Many Requests",
		},
		{
			name:   "too many requests as 200 player answer",
			id:     "GJLlxj_dtq8",
			player: page{file: "jdepoix/youtube_too_many_requests.html.static"},
			status: harvest.VideoBlocked,
			reason: "captcha page instead of the player answer",
		},
		{
			name:   "consent page as watch page",
			id:     "GJLlxj_dtq8",
			player: page{file: "jdepoix/youtube.innertube.json.static"},
			watch:  page{file: "jdepoix/youtube_consent_page.html.static"},
			status: harvest.VideoBlocked,
			reason: "consent page instead of the watch page",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			yt, srv := fakeYouTube(t)
			// Real app-client answers carry no publish date (no
			// microformat): --watch-page asks the watch page for it.
			s := newSource(t, srv, func(o *youtube.Options) { o.WatchPage = true })
			var a testserver.FakeAnswer
			if tc.player.file != "" {
				a.Player = &testserver.FakeResponse{Status: tc.player.status, Body: read(t, tc.player.file)}
			}
			if tc.watch.file != "" {
				a.Watch = &testserver.FakeResponse{Status: tc.watch.status, Body: read(t, tc.watch.file)}
			}
			yt.Set(tc.id, a)
			if tc.home != "" {
				yt.SetHome(&testserver.FakeResponse{Body: read(t, tc.home)})
			}
			v := fetch(t, s, tc.id)
			if v.Status != tc.status || v.StatusReason != tc.reason {
				t.Errorf("Video = %s %q, want %s %q", v.Status, v.StatusReason, tc.status, tc.reason)
			}
			if tc.status == harvest.VideoOK && (v.Title == "" || v.ChannelID == "" || v.Duration == 0 || v.PublishedAt.IsZero()) {
				t.Errorf("ok video lacks metadata: %+v", v)
			}
			if tc.check != nil {
				tc.check(t, v)
			}
			var paths []string
			for _, r := range yt.Requests() {
				paths = append(paths, r.Method+" "+r.Path+" "+r.ClientName)
			}
			t.Logf("requests: %q", paths)
		})
	}
	// Without --watch-page, the recorded ANDROID answer alone gives all
	// but the publish date and the @handle, in two requests.
	t.Run("jdepoix ok without the watch page", func(t *testing.T) {
		yt, srv := fakeYouTube(t)
		s := newSource(t, srv, nil)
		yt.Set("GJLlxj_dtq8", testserver.FakeAnswer{Player: &testserver.FakeResponse{Body: read(t, "jdepoix/youtube.innertube.json.static")}})
		v := fetch(t, s, "GJLlxj_dtq8")
		if v.Status != harvest.VideoOK || v.Title != "Surface Go Review - It’s Awesome" || v.ChannelID != "UCVYamHliCI9rw1tHR1xbkfw" ||
			v.Duration != 316*time.Second || v.ViewCount != 1856109 || len(v.CaptionTracks) != 9 {
			t.Errorf("Video = %+v", v)
		}
		if !v.PublishedAt.IsZero() || v.ChannelHandle != "" {
			t.Errorf("PublishedAt %v, ChannelHandle %q: the player answer has them after all", v.PublishedAt, v.ChannelHandle)
		}
		if n := len(yt.Requests()); n != 2 {
			t.Errorf("%d requests, want 2 (visitor id, player)", n)
		}
	})
}

// TestCorpusOEmbed serves oscarotero/Embed's two recordings of YouTube's
// oEmbed answer for one video (2021 and 2024) while the player answers
// the bot check, and checks what the Source keeps of each: the title,
// the channel's name and thumbnail, and the channel URL — an @handle in
// 2024's author_url; in 2021's, a legacy /user/NAME, which is neither a
// handle nor a channel ID, so nothing is kept of it (as for the player's
// /user/ profile URLs).
func TestCorpusOEmbed(t *testing.T) {
	if _, err := os.Stat(filepath.Join(corpusDir, "MANIFEST.tsv")); err != nil {
		t.Skipf("no recorded YouTube corpus at %s (%v): real oEmbed answers not checked", corpusDir, err)
	}
	const id = "eiHXASgRTcA" // MANIFEST: both recordings are of this video
	bot := &testserver.FakeResponse{Body: []byte(`{"playabilityStatus":{"status":"LOGIN_REQUIRED","reason":"Sign in to confirm you’re not a bot"}}`)}
	for _, tc := range []struct {
		file, authorURL, handle string
	}{
		{file: "oembed/video_2024.json", authorURL: `"author_url":"https://www.youtube.com/@smshdchrb"`, handle: "@smshdchrb"},
		{file: "oembed/video_2021.json", authorURL: `"author_url":"https://www.youtube.com/user/smshdchrb"`, handle: ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(corpusDir, tc.file))
			if err != nil {
				t.Fatalf("corpus file: %v", err)
			}
			if !strings.Contains(string(body), tc.authorURL) {
				t.Fatalf("%s lacks %s: the recording is not the one this case was written for", tc.file, tc.authorURL)
			}
			yt, srv := fakeYouTube(t)
			yt.Set(id, testserver.FakeAnswer{Player: bot, OEmbed: &testserver.FakeResponse{Body: body}})
			v := fetch(t, newSource(t, srv, nil), id)
			want := harvest.Video{
				ID: id, Status: harvest.VideoBlocked, StatusReason: "Sign in to confirm you’re not a bot",
				Title:          "Noisy kittens waiting for dinner!",
				ChannelTitle:   "smshdchrb",
				ChannelHandle:  tc.handle,
				ThumbnailURL:   "https://i.ytimg.com/vi/eiHXASgRTcA/hqdefault.jpg",
				MetadataSource: harvest.MetadataOEmbed,
				FetchedAt:      v.FetchedAt,
			}
			checkVideo(t, v, &want)
			n := 0
			for _, r := range yt.Requests() {
				if r.Path == "/oembed" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d oEmbed requests, want 1", n)
			}
		})
	}
}
