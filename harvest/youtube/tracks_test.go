package youtube_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/harvest/youtube"
)

// readPlayer reads one synthetic player answer.
func readPlayer(t *testing.T, id string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, "player", id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// watchPage embeds a player answer the way watch pages do.
func watchPage(t *testing.T, player []byte) []byte {
	t.Helper()
	var compact bytes.Buffer
	if err := json.Compact(&compact, player); err != nil {
		t.Fatal(err)
	}
	return []byte("<!DOCTYPE html><html><body><script nonce=\"x\">var ytInitialPlayerResponse = " +
		compact.String() + ";var meta = 1;</script></body></html>")
}

func TestTracks(t *testing.T) {
	const base = "https://www.youtube.com/api/timedtext?v=H7xQm2Lp9sA&"
	h7 := []youtube.Track{
		{Language: "en", Name: "English", Translatable: true, BaseURL: base + "lang=en&fmt=srv3"},
		{Language: "en", Name: "English (auto-generated)", Generated: true, Translatable: true, BaseURL: base + "kind=asr&lang=en&fmt=srv3"},
		{Language: "de", Name: "German", Translatable: true, BaseURL: base + "lang=de&fmt=srv3"},
	}
	for _, tc := range []struct {
		name string
		body []byte
		want []youtube.Track
	}{
		{"player", readPlayer(t, "H7xQm2Lp9sA"), h7},
		{"watch page", watchPage(t, readPlayer(t, "H7xQm2Lp9sA")), h7},
		{"generated only", readPlayer(t, "Zp4-eYc1UoM"), []youtube.Track{{
			Language: "en", Name: "English (auto-generated)", Generated: true, Translatable: true,
			BaseURL: "https://www.youtube.com/api/timedtext?v=Zp4-eYc1UoM&kind=asr&lang=en&fmt=srv3",
		}}},
		{"no captions", readPlayer(t, "k3Rt_vB8nQw"), nil},
		{"private", readPlayer(t, "T1gH6jKd0sF"), nil},
		{"no captions on a watch page", watchPage(t, readPlayer(t, "k3Rt_vB8nQw")), nil},
		{"simpleText name, vssId only, no baseUrl", []byte(`{"captions":{"playerCaptionsTracklistRenderer":{"captionTracks":[
			{"name":{"simpleText":" Français "},"vssId":"a.fr","languageCode":"fr"}]}}}`),
			[]youtube.Track{{Language: "fr", Name: "Français", Generated: true}}},
		{"empty tracklist", []byte(`{"captions":{"playerCaptionsTracklistRenderer":{}}}`), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := youtube.Tracks(tc.body)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("Tracks = %+v, %v\nwant %+v", got, err, tc.want)
			}
		})
	}
	for _, body := range []string{
		"",
		"  \n",
		"<!DOCTYPE html><html><body>Before you continue to YouTube</body></html>",
		`{"captions": `,
		`{"captions":{"playerCaptionsTracklistRenderer":{"captionTracks":"none"}}}`,
		"var ytInitialPlayerResponse = {broken};",
	} {
		if got, err := youtube.Tracks([]byte(body)); err == nil {
			t.Errorf("Tracks(%q) = %+v, nil; want an error", body, got)
		}
	}
}

// TestTracksCorpus reads the caption tracks of real answers.
func TestTracksCorpus(t *testing.T) {
	if _, err := os.Stat(filepath.Join(corpusDir, "MANIFEST.tsv")); err != nil {
		t.Skipf("no recorded YouTube corpus at %s (%v): real caption-track checks skipped", corpusDir, err)
	}
	for _, tc := range []struct {
		file      string
		n         int
		languages string // of the first tracks, space-separated
		check     func(t *testing.T, tracks []youtube.Track)
	}{
		{
			file: "jdepoix/youtube.innertube.json.static", n: 9,
			languages: "zh cs en en de hi ja ko es",
			check: func(t *testing.T, tracks []youtube.Track) {
				asr := tracks[3]
				if asr.Name != "English (auto-generated)" || !asr.Generated || !asr.Translatable {
					t.Errorf("track 3 = %+v, want English (auto-generated), generated, translatable", asr)
				}
				for i, tr := range tracks {
					if tr.Generated != (i == 3) || tr.Name == "" || needsPoToken(tr) {
						t.Errorf("track %d = %+v: generated, name or exp= wrong", i, tr)
					}
					if !strings.HasSuffix(tr.BaseURL, "&lang="+tr.Language+"&fmt=srv3") {
						t.Errorf("track %d baseUrl = %s, want it to end in lang=%s&fmt=srv3", i, tr.BaseURL, tr.Language)
					}
				}
			},
		},
		{
			file: "jdepoix/youtube_po_token_required.innertube.json.static", n: 9,
			languages: "zh cs en en",
			check: func(t *testing.T, tracks []youtube.Track) {
				for i, tr := range tracks {
					if want := i == 2; needsPoToken(tr) != want {
						t.Errorf("NeedsPoToken(track %d, %s) = %v, want %v", i, tr.Language, !want, want)
					}
				}
			},
		},
		{
			// The watch page of the same video: names as simpleText,
			// no fmt=, and exp=xpe on every baseUrl.
			file: "jdepoix/youtube.html.static", n: 9,
			languages: "zh cs en en de hi ja ko es",
			check: func(t *testing.T, tracks []youtube.Track) {
				if tracks[3].Name != "English (auto-generated)" || !tracks[3].Generated {
					t.Errorf("track 3 = %+v", tracks[3])
				}
				for i, tr := range tracks {
					if !needsPoToken(tr) || strings.Contains(tr.BaseURL, "fmt=") {
						t.Errorf("track %d baseUrl = %s, want exp=xpe and no fmt=", i, tr.BaseURL)
					}
				}
			},
		},
		{
			file: "pytube/2lAe1cqCOXo.android_player.json", n: 40,
			languages: "ar zh-HK zh-TW hr cs da nl en en-GB",
			check: func(t *testing.T, tracks []youtube.Track) {
				for i, tr := range tracks {
					// 2021 baseUrls carry exp=xftt,xctw, which is
					// not the proof-of-origin experiment.
					if tr.Generated || needsPoToken(tr) || tr.Name == "" {
						t.Errorf("track %d = %+v", i, tr)
					}
				}
				if tracks[8].Name != "English (United Kingdom)" {
					t.Errorf("track 8 name = %q", tracks[8].Name)
				}
			},
		},
		{file: "pytube/2lAe1cqCOXo.watch.html", n: 40, languages: "ar zh-HK zh-TW"},
		{file: "pytube/QRS8MkLhQmM.android_player.json", n: 13, languages: "zh-Hant nl en"},
		{
			file: "jdepoix/youtube_ww1_nl_en.innertube.json.static", n: 2,
			languages: "en en",
			check: func(t *testing.T, tracks []youtube.Track) {
				if tracks[0].Generated || !tracks[1].Generated || tracks[0].Name != "English" {
					t.Errorf("tracks = %+v, want manual English then auto-generated", tracks)
				}
			},
		},
		{
			file: "jdepoix_old/youtube_no_translation_languages.html.static", n: 1,
			languages: "ar",
			check: func(t *testing.T, tracks []youtube.Track) {
				// Names follow the page's UI language, so Generated
				// must not be read from them.
				if tracks[0].Name != "Arabisch (automatisch erzeugt)" || !tracks[0].Generated {
					t.Errorf("track = %+v", tracks[0])
				}
			},
		},
		{file: "jdepoix/youtube_transcripts_disabled.innertube.json.static"},
		{file: "jdepoix/youtube_transcripts_disabled2.innertube.json.static"},
		{file: "jdepoix/youtube_request_blocked.innertube.json.static"},
		{file: "pytube/m8uHb5jIGN8.android_player.json"},
		{file: "pytube/WXxV9g7lsFE.android_player.json"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(corpusDir, tc.file))
			if err != nil {
				t.Fatalf("corpus file: %v", err)
			}
			tracks, err := youtube.Tracks(body)
			if err != nil || len(tracks) != tc.n {
				t.Fatalf("Tracks = %d tracks, %v; want %d", len(tracks), err, tc.n)
			}
			var langs []string
			for _, tr := range tracks[:len(strings.Fields(tc.languages))] {
				langs = append(langs, tr.Language)
			}
			if got := strings.Join(langs, " "); got != tc.languages {
				t.Errorf("languages = %q, want %q", got, tc.languages)
			}
			if tc.check != nil {
				tc.check(t, tracks)
			}
		})
	}

	// What Choose makes of the 40 tracks of 2lAe1cqCOXo, all manual.
	body, err := os.ReadFile(filepath.Join(corpusDir, "pytube/2lAe1cqCOXo.android_player.json"))
	if err != nil {
		t.Fatal(err)
	}
	tracks, err := youtube.Tracks(body)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		langs []string
		want  string
	}{
		{nil, "en"},
		{[]string{"en-GB"}, "en-GB"},
		{[]string{"en-US"}, "en"},
		{[]string{"pt"}, "pt-BR"},
		{[]string{"pt-pt"}, "pt-PT"},
		{[]string{"es-AR"}, "es-419"},
		{[]string{"zh-Hant"}, "zh-HK"},
		{[]string{"xx", "fil"}, "fil"},
		{[]string{"xx"}, ""},
	} {
		got := youtube.Choose(tracks, youtube.Choice{Langs: tc.langs})
		if len(got) > 1 || (len(got) == 1) != (tc.want != "") || len(got) == 1 && got[0].Language != tc.want {
			t.Errorf("Choose(2lAe1cqCOXo, %q) = %+v, want %q", tc.langs, got, tc.want)
		}
	}
}

// needsPoToken is youtube.NeedsPoToken of a track's baseUrl.
func needsPoToken(t youtube.Track) bool { return youtube.NeedsPoToken(t.BaseURL) }

func TestChoose(t *testing.T) {
	var (
		en    = youtube.Track{Language: "en", Name: "English", Translatable: true, BaseURL: "u/en"}
		enASR = youtube.Track{Language: "en", Name: "English (auto-generated)", Generated: true, Translatable: true, BaseURL: "u/a.en"}
		enGB  = youtube.Track{Language: "en-GB", Name: "English (United Kingdom)", Translatable: true, BaseURL: "u/en-GB"}
		de    = youtube.Track{Language: "de", Name: "German", Translatable: true, BaseURL: "u/de"}
		deASR = youtube.Track{Language: "de", Name: "German (auto-generated)", Generated: true, Translatable: true, BaseURL: "u/a.de"}
		ptBR  = youtube.Track{Language: "pt-BR", Name: "Portuguese (Brazil)", BaseURL: "u/pt-BR"}
		fr    = youtube.Track{Language: "fr", Name: "French", BaseURL: "u/fr"} // not translatable
		arASR = youtube.Track{Language: "ar", Name: "Arabic (auto-generated)", Generated: true, Translatable: true, BaseURL: "u/a.ar"}
	)
	for _, tc := range []struct {
		name   string
		tracks []youtube.Track
		choice youtube.Choice
		want   []youtube.Track
		tlang  string // Choice.TLang of the single track chosen
	}{
		{"no tracks", nil, youtube.Choice{}, nil, ""},
		{"default en, manual first", []youtube.Track{enASR, de, en}, youtube.Choice{}, []youtube.Track{en}, ""},
		{"prefer generated", []youtube.Track{en, enASR}, youtube.Choice{PreferGenerated: true}, []youtube.Track{enASR}, ""},
		{"prefer generated, only manual", []youtube.Track{en, de}, youtube.Choice{PreferGenerated: true}, []youtube.Track{en}, ""},
		{"generated when no manual", []youtube.Track{de, enASR}, youtube.Choice{}, []youtube.Track{enASR}, ""},
		{"exact before base", []youtube.Track{enGB, en}, youtube.Choice{Langs: []string{"en"}}, []youtube.Track{en}, ""},
		{"base match", []youtube.Track{de, enGB}, youtube.Choice{}, []youtube.Track{enGB}, ""},
		{"manual base match beats generated exact", []youtube.Track{enASR, enGB}, youtube.Choice{}, []youtube.Track{enGB}, ""},
		{"regional wish takes bare base", []youtube.Track{enGB, en}, youtube.Choice{Langs: []string{"en-US"}}, []youtube.Track{en}, ""},
		{"regional wish takes sibling", []youtube.Track{de, enGB}, youtube.Choice{Langs: []string{"en-US"}}, []youtube.Track{enGB}, ""},
		{"case and underscore", []youtube.Track{ptBR}, youtube.Choice{Langs: []string{"PT_br"}}, []youtube.Track{ptBR}, ""},
		{"pt matches pt-BR", []youtube.Track{en, ptBR}, youtube.Choice{Langs: []string{"pt"}}, []youtube.Track{ptBR}, ""},
		{"order of preference", []youtube.Track{en, de}, youtube.Choice{Langs: []string{"fr", "de", "en"}}, []youtube.Track{de}, ""},
		{"generated of first language beats manual of second", []youtube.Track{en, deASR}, youtube.Choice{Langs: []string{"de", "en"}}, []youtube.Track{deASR}, ""},
		{"comma list", []youtube.Track{en, de}, youtube.Choice{Langs: []string{" fr, de ", ""}}, []youtube.Track{de}, ""},
		{"blank langs mean en", []youtube.Track{de, en}, youtube.Choice{Langs: []string{" ", ","}}, []youtube.Track{en}, ""},
		{"no match", []youtube.Track{de, fr}, youtube.Choice{}, nil, ""},
		{"translate: manual first", []youtube.Track{arASR, fr, de}, youtube.Choice{TranslateTo: "en"}, []youtube.Track{de}, "en"},
		{"translate: generated when no manual is translatable", []youtube.Track{fr, arASR}, youtube.Choice{TranslateTo: "en"}, []youtube.Track{arASR}, "en"},
		{"translate: none translatable", []youtube.Track{fr}, youtube.Choice{TranslateTo: "en"}, nil, ""},
		{"translate: a track in the target language needs none", []youtube.Track{arASR, fr, deASR}, youtube.Choice{Langs: []string{"es"}, TranslateTo: "de"}, []youtube.Track{deASR}, ""},
		{"translate: target by base language", []youtube.Track{arASR, ptBR}, youtube.Choice{Langs: []string{"es"}, TranslateTo: "pt"}, []youtube.Track{ptBR}, ""},
		{"translate only as fallback", []youtube.Track{de, en}, youtube.Choice{TranslateTo: "fr"}, []youtube.Track{en}, ""},
		{"all: grouped, manual first", []youtube.Track{enASR, de, en, arASR, deASR, enGB},
			youtube.Choice{All: true, Langs: []string{"de"}, TranslateTo: "fr"},
			[]youtube.Track{en, enASR, de, deASR, arASR, enGB}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.tracks)
			got := youtube.Choose(in, tc.choice)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Choose(%v, %+v) = %v, want %v", names(tc.tracks), tc.choice, names(got), names(tc.want))
			}
			if !slices.Equal(in, tc.tracks) {
				t.Errorf("Choose changed its input to %v", names(in))
			}
			if len(got) == 1 {
				if tl := tc.choice.TLang(got[0]); tl != tc.tlang {
					t.Errorf("TLang(%s) = %q, want %q", got[0].BaseURL, tl, tc.tlang)
				}
			}
		})
	}
}

func names(tracks []youtube.Track) []string {
	var out []string
	for _, t := range tracks {
		out = append(out, t.BaseURL)
	}
	return out
}

func TestCaptionURL(t *testing.T) {
	const signed = "https://www.youtube.com/api/timedtext?v=GJLlxj_dtq8&ei=xp1J&caps=asr&xoaf=5&hl=en&expire=1749680182&sparams=ip,ipbits,expire,v,ei,caps,opi,xoaf&signature=1F96.7F4A&key=yt8"
	tr := youtube.Track{Language: "en", Translatable: true}
	for _, tc := range []struct {
		name      string
		base      string
		translate bool
		format    string
		tlang     string
		want      string // "" = error
	}{
		{"replace fmt", signed + "&lang=en&fmt=srv3", true, "json3", "", signed + "&lang=en&fmt=json3"},
		{"keep srv3", signed + "&lang=en&fmt=srv3", true, "srv3", "", signed + "&lang=en&fmt=srv3"},
		{"add fmt", signed + "&lang=en", true, "srv3", "", signed + "&lang=en&fmt=srv3"},
		{"fmt in the middle", "https://www.youtube.com/api/timedtext?fmt=vtt&v=X&lang=en", true, "json3", "", "https://www.youtube.com/api/timedtext?v=X&lang=en&fmt=json3"},
		{"repeated fmt", "https://www.youtube.com/api/timedtext?v=X&fmt=srv1&fmt=vtt", true, "json3", "", "https://www.youtube.com/api/timedtext?v=X&fmt=json3"},
		{"legacy drops fmt", signed + "&lang=en&fmt=srv3", true, youtube.FormatLegacy, "", signed + "&lang=en"},
		{"empty format drops fmt", signed + "&fmt=srv3&lang=en", true, "", "", signed + "&lang=en"},
		{"srv1", signed + "&lang=en&fmt=srv3", true, "srv1", "", signed + "&lang=en&fmt=srv1"},
		{"tlang", signed + "&lang=en&fmt=srv3", true, "json3", "de", signed + "&lang=en&fmt=json3&tlang=de"},
		{"tlang replaced", signed + "&tlang=fr&lang=en", true, "json3", "pt-BR", signed + "&lang=en&fmt=json3&tlang=pt-BR"},
		{"tlang left out when not translatable", signed + "&lang=en&fmt=srv3", false, "json3", "de", signed + "&lang=en&fmt=json3"},
		{"relative baseUrl", "/api/timedtext?v=X&lang=en", true, "srv3", "", "https://www.youtube.com/api/timedtext?v=X&lang=en&fmt=srv3"},
		{"encoding kept", "https://www.youtube.com/api/timedtext?v=X&name=a%2Cb%20c&lang=en", true, "json3", "", "https://www.youtube.com/api/timedtext?v=X&name=a%2Cb%20c&lang=en&fmt=json3"},
		{"no query", "https://www.youtube.com/api/timedtext", true, "json3", "", "https://www.youtube.com/api/timedtext?fmt=json3"},
		{"unknown format", signed, true, "vtt", "", ""},
		{"bad tlang", signed, true, "json3", "de&x=1", ""},
		{"bad tlang, not translatable", signed, false, "json3", "d e", ""},
		{"no baseUrl", "", true, "json3", "", ""},
		{"bad scheme", "javascript:alert(1)", true, "json3", "", ""},
		{"unparsable", "https://www.youtube.com/%zz?v=X", true, "json3", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := tr // a copy per case
			tr.BaseURL, tr.Translatable = tc.base, tc.translate
			got, err := youtube.CaptionURL(tr, tc.format, tc.tlang)
			if tc.want == "" {
				if err == nil {
					t.Errorf("CaptionURL(%q, %q, %q) = %q, nil; want an error", tc.base, tc.format, tc.tlang, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("CaptionURL(%q, %q, %q) = %q, %v\nwant %q", tc.base, tc.format, tc.tlang, got, err, tc.want)
			}
			if _, err := url.Parse(got); err != nil {
				t.Errorf("CaptionURL result does not parse: %v", err)
			}
		})
	}
}

func TestNeedsPoToken(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want bool
	}{
		{"https://www.youtube.com/api/timedtext?v=X&caps=asr&opi=1&exp=xpe&xoaf=5&lang=en", true},
		{"https://www.youtube.com/api/timedtext?v=X&exp=xpv&lang=en", true},
		{"https://www.youtube.com/api/timedtext?exp=xftt,xpe&v=X", true},
		{"https://www.youtube.com/api/timedtext?exp=xftt%2Cxpv&v=X", true},
		{"https://www.youtube.com/api/timedtext?v=X&exp=XPE", true},
		{"https://www.youtube.com/api/timedtext?v=X&exp=xftt,xctw&xorp=true&lang=en", false},
		{"https://www.youtube.com/api/timedtext?v=X&lang=en&fmt=srv3", false},
		{"https://www.youtube.com/api/timedtext?v=X&sparams=ip,exp,xoaf&lang=en", false},
		{"https://www.youtube.com/api/timedtext?v=X&lang=en#exp=xpe", false},
		{"https://www.youtube.com/api/timedtext?v=X&xexp=xpe", false},
		{"https://www.youtube.com/api/timedtext?v=X&exp=xpee", false},
		{"https://www.youtube.com/api/timedtext", false},
		{"", false},
		{"%%%?exp=xpe", true},
	} {
		if got := youtube.NeedsPoToken(tc.url); got != tc.want {
			t.Errorf("NeedsPoToken(%q) = %v, want %v", tc.url, got, tc.want)
		}
	}
}
