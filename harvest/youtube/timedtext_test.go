package youtube_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/harvest/youtube"
)

var update = flag.Bool("update", false, "rewrite the timedtext golden files")

// goldenDir holds the tricky-case caption fixtures and the expected
// segments of every fixture, served ones included.
const goldenDir = testdataDir + "/timedtext-golden"

// parserFor returns the format-specific parser a fixture's extension
// names, nil when only sniffing applies.
func parserFor(name string) (string, func([]byte) ([]youtube.Segment, error)) {
	switch filepath.Ext(name) {
	case ".json3":
		return youtube.FormatJSON3, youtube.ParseJSON3
	case ".srv3":
		return youtube.FormatSRV3, youtube.ParseSRV3
	case ".xml":
		return youtube.FormatLegacy, youtube.ParseLegacyXML
	}
	return "", nil
}

// captionFixtures lists the caption bodies of the golden test: those the
// fake YouTube serves and the tricky cases. Each maps to its golden file.
func captionFixtures(t testing.TB) map[string]string {
	t.Helper()
	out := make(map[string]string)
	for _, dir := range []string{testdataDir + "/timedtext", goldenDir} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || strings.HasSuffix(name, ".golden") || name == "README.md" {
				continue
			}
			out[filepath.Join(dir, name)] = filepath.Join(goldenDir, name+".golden")
		}
	}
	return out
}

// golden renders what the parser made of a body: the format and one
// segment per line, or the error and the sentinel it matches.
func golden(format string, segs []youtube.Segment, err error) []byte {
	var b bytes.Buffer
	if err != nil {
		is := ""
		switch {
		case errors.Is(err, youtube.ErrEmptyCaption):
			is = "ErrEmptyCaption"
		case errors.Is(err, youtube.ErrNotCaptions):
			is = "ErrNotCaptions"
		}
		fmt.Fprintf(&b, "{\n  \"format\": %q,\n  \"error\": %q,\n  \"is\": %q\n}\n", format, err.Error(), is)
		return b.Bytes()
	}
	fmt.Fprintf(&b, "{\n  \"format\": %q,\n  \"segments\": [", format)
	for i, s := range segs {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "\n    {\"startMs\": %d, \"durationMs\": %d, \"text\": %s}", s.StartMs, s.DurationMs, strconv.QuoteToGraphic(s.Text))
	}
	if len(segs) > 0 {
		b.WriteString("\n  ")
	}
	b.WriteString("]\n}\n")
	return b.Bytes()
}

// TestTimedTextGolden parses every caption fixture, sniffed and with the
// parser its extension names, and compares with the golden file.
// go test ./harvest/youtube -run TestTimedTextGolden -update rewrites
// the golden files.
func TestTimedTextGolden(t *testing.T) {
	fixtures := captionFixtures(t)
	for in, out := range fixtures {
		t.Run(filepath.Base(in), func(t *testing.T) {
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			format, segs, perr := youtube.ParseTimedText(body)
			checkSegments(t, segs)
			if want, parse := parserFor(in); parse != nil {
				segs2, err2 := parse(body)
				if perr == nil && format == want {
					if err2 != nil || !slices.Equal(segs, segs2) {
						t.Errorf("Parse%s disagrees with ParseTimedText: %v, %v", want, segs2, err2)
					}
				} else if err2 == nil {
					t.Errorf("Parse%s = %d segments, nil; ParseTimedText said %q, %v", want, len(segs2), format, perr)
				}
			}
			got := golden(format, segs, perr)
			if *update {
				if err := os.WriteFile(out, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("ParseTimedText(%s) differs from %s (-update rewrites it):\ngot:\n%s\nwant:\n%s", in, out, got, want)
			}
		})
	}
	// A golden file whose input is gone would go stale unnoticed.
	goldens, err := filepath.Glob(filepath.Join(goldenDir, "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	used := make(map[string]bool)
	for _, out := range fixtures {
		used[out] = true
	}
	for _, g := range goldens {
		if !used[g] {
			t.Errorf("%s has no input fixture", g)
		}
	}
}

// checkSegments checks what every parser promises of its segments.
func checkSegments(t testing.TB, segs []youtube.Segment) {
	t.Helper()
	if len(segs) > youtube.MaxSegments {
		t.Fatalf("%d segments, more than MaxSegments", len(segs))
	}
	type key struct {
		start int64
		text  string
	}
	seen := make(map[key]bool)
	for i, s := range segs {
		switch {
		case s.Text == "" || strings.TrimSpace(s.Text) != s.Text:
			t.Fatalf("segment %d: text %q is empty or untrimmed", i, s.Text)
		case strings.Contains(s.Text, "  ") || strings.ContainsAny(s.Text, "\n\r\t"):
			t.Fatalf("segment %d: text %q has uncollapsed whitespace", i, s.Text)
		case !strings.ContainsFunc(s.Text, func(r rune) bool { return r >= ' ' }):
			t.Fatalf("segment %d: text %q is only control characters", i, s.Text)
		case !isValidUTF8(s.Text):
			t.Fatalf("segment %d: text %q is not valid UTF-8", i, s.Text)
		case s.StartMs < 0 || s.DurationMs < 0:
			t.Fatalf("segment %d: negative time %d+%d", i, s.StartMs, s.DurationMs)
		case i > 0 && s.StartMs < segs[i-1].StartMs:
			t.Fatalf("segment %d starts at %d, before segment %d at %d", i, s.StartMs, i-1, segs[i-1].StartMs)
		case seen[key{s.StartMs, s.Text}]:
			t.Fatalf("segment %d repeats start %d and text %q", i, s.StartMs, s.Text)
		}
		seen[key{s.StartMs, s.Text}] = true
	}
}

func isValidUTF8(s string) bool { return strings.ToValidUTF8(s, "") == s }

// TestTimedTextErrors checks which sentinel each parser returns for
// bodies that are not its captions.
func TestTimedTextErrors(t *testing.T) {
	parsers := map[string]func([]byte) ([]youtube.Segment, error){
		"ParseJSON3":     youtube.ParseJSON3,
		"ParseSRV3":      youtube.ParseSRV3,
		"ParseLegacyXML": youtube.ParseLegacyXML,
		"ParseTimedText": func(b []byte) ([]youtube.Segment, error) { _, s, err := youtube.ParseTimedText(b); return s, err },
		"ParseTimedText after a BOM": func(b []byte) ([]youtube.Segment, error) {
			_, s, err := youtube.ParseTimedText(append([]byte("\uFEFF\n"), b...))
			return s, err
		},
	}
	for _, tc := range []struct {
		name string
		body string
		want error // for every parser
	}{
		{"nil", "", youtube.ErrEmptyCaption},
		{"whitespace", " \r\n\t ", youtube.ErrEmptyCaption},
		{"bom only", "\uFEFF", youtube.ErrEmptyCaption},
		{"html", "<!DOCTYPE html><html><head><title>Sorry...</title></head><body>unusual traffic</body></html>", youtube.ErrNotCaptions},
		{"html without doctype", "<html><body><p>Before you continue</p></body></html>", youtube.ErrNotCaptions},
		{"html after comment", "<!-- consent --><HTML lang=en><body>x", youtube.ErrNotCaptions},
		{"plain text", "Too Many Requests", youtube.ErrNotCaptions},
		{"json array", `[{"tStartMs":0}]`, youtube.ErrNotCaptions},
		{"webvtt", "WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n", youtube.ErrNotCaptions},
		{"other xml root", `<?xml version="1.0"?><rss><channel/></rss>`, youtube.ErrNotCaptions},
		{"xml without root", `<?xml version="1.0"?><!-- nothing -->`, youtube.ErrNotCaptions},
	} {
		for pname, parse := range parsers {
			t.Run(tc.name+"/"+pname, func(t *testing.T) {
				segs, err := parse([]byte(tc.body))
				if !errors.Is(err, tc.want) {
					t.Errorf("%s(%q) = %v, %v; want %v", pname, tc.body, segs, err, tc.want)
				}
			})
		}
	}

	// A body of another format is ErrNotCaptions for the specific
	// parsers; a broken body of the right one is a plain error.
	srv3 := `<timedtext format="3"><body><p t="0" d="1">a</p></body></timedtext>`
	legacy := `<transcript><text start="0" dur="1">a</text></transcript>`
	json3 := `{"events":[{"tStartMs":0,"segs":[{"utf8":"a"}]}]}`
	for _, tc := range []struct {
		name    string
		parse   func([]byte) ([]youtube.Segment, error)
		body    string
		notCaps bool // want ErrNotCaptions; else a plain error
	}{
		{"json3 given srv3", youtube.ParseJSON3, srv3, true},
		{"json3 given legacy", youtube.ParseJSON3, legacy, true},
		{"json3 given api error", youtube.ParseJSON3, `{"error":{"code":429}}`, true},
		{"json3 truncated", youtube.ParseJSON3, json3[:20], false},
		{"json3 wrong type", youtube.ParseJSON3, `{"events":[{"segs":[{"utf8":5}]}]}`, false},
		{"srv3 given json3", youtube.ParseSRV3, json3, true},
		{"srv3 given legacy", youtube.ParseSRV3, legacy, true},
		{"srv3 truncated", youtube.ParseSRV3, srv3[:40], false},
		{"srv3 unclosed comment", youtube.ParseSRV3, `<timedtext><body><p t="0">a</p><!-- </body></timedtext>`, false},
		{"legacy given json3", youtube.ParseLegacyXML, json3, true},
		{"legacy given srv3", youtube.ParseLegacyXML, srv3, true},
		{"legacy truncated", youtube.ParseLegacyXML, legacy[:30], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			segs, err := tc.parse([]byte(tc.body))
			switch {
			case err == nil:
				t.Errorf("parse(%q) = %v, nil; want an error", tc.body, segs)
			case errors.Is(err, youtube.ErrEmptyCaption):
				t.Errorf("parse(%q) = %v; want no ErrEmptyCaption", tc.body, err)
			case errors.Is(err, youtube.ErrNotCaptions) != tc.notCaps:
				t.Errorf("parse(%q) = %v; ErrNotCaptions: %v, want %v", tc.body, err, !tc.notCaps, tc.notCaps)
			}
		})
	}
}

// TestTimedTextCleaning pins the shared cleaning on small cues, the same
// for the three formats.
func TestTimedTextCleaning(t *testing.T) {
	for _, tc := range []struct {
		raw  string // cue text as the format's own decoder yields it
		want string // "" = cue dropped
	}{
		{"plain", "plain"},
		{"  spaces \t and\nbreaks\r\n ", "spaces and breaks"},
		{"it&#39;s", "it's"},
		{"it&amp;#39;s", "it's"},
		{"&amp;quot;quoted&amp;quot;", `"quoted"`},
		{"fish &amp;amp; chips", "fish & chips"},
		{"&#x2014; &#8212; &mdash;", "— — —"},
		{"a&nbsp;b", "a b"},
		{"&lt;i&gt;it&lt;/i&gt;alic", "italic"},
		{`&lt;font color="#E5E5E5"&gt;word&lt;/font&gt;`, "word"},
		{"one&lt;br/&gt;two&lt;BR&gt;three", "one two three"},
		{"x &lt; y &gt; z", "x < y > z"},
		{"a <c.colorE5E5E5>b</c>", "a b"},
		{"R&D", "R&D"},
		{"\u200b\ufeff", ""},
		{"&#10;&#13;", ""},
		{"", ""},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			// Each format sees the raw text after its own decoding, so
			// escape it for that format.
			var jsonText strings.Builder
			for _, r := range tc.raw {
				fmt.Fprintf(&jsonText, `\u%04x`, r)
			}
			bodies := map[string]string{
				"json3":  `{"events":[{"tStartMs":1000,"dDurationMs":500,"segs":[{"utf8":"` + jsonText.String() + `"}]}]}`,
				"srv3":   `<timedtext format="3"><body><p t="1000" d="500">` + xmlEscape(tc.raw) + `</p></body></timedtext>`,
				"legacy": `<transcript><text start="1" dur="0.5">` + xmlEscape(tc.raw) + `</text></transcript>`,
			}
			for format, body := range bodies {
				got, segs, err := youtube.ParseTimedText([]byte(body))
				if err != nil || got != format {
					t.Fatalf("ParseTimedText(%s) = %q, %v", body, got, err)
				}
				var want []youtube.Segment
				if tc.want != "" {
					want = []youtube.Segment{{StartMs: 1000, DurationMs: 500, Text: tc.want}}
				}
				if !slices.Equal(segs, want) {
					t.Errorf("%s: cue %q = %+v, want %+v", format, tc.raw, segs, want)
				}
			}
		})
	}
}

// xmlEscape escapes s as encoding/xml will read it back.
func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#13;").Replace(s)
}

// TestTimedTextMaxSegments checks the bound on cues with a body one cue
// over it. json3 is the cheapest format to build and parse, which keeps
// the test fast under -race.
func TestTimedTextMaxSegments(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"events":[`)
	for i := range youtube.MaxSegments + 1 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"tStartMs":%d,"segs":[{"utf8":"w"}]}`, i)
	}
	b.WriteString(`]}`)
	segs, err := youtube.ParseJSON3(b.Bytes())
	if err == nil || errors.Is(err, youtube.ErrNotCaptions) {
		t.Fatalf("ParseJSON3(%d cues) = %d segments, %v; want a plain error", youtube.MaxSegments+1, len(segs), err)
	}
}

// TestTimedTextCorpus parses the real legacy timedtext files of the
// corpus (the only timedtext recordings found in public).
func TestTimedTextCorpus(t *testing.T) {
	if _, err := os.Stat(filepath.Join(corpusDir, "MANIFEST.tsv")); err != nil {
		t.Skipf("no recorded YouTube corpus at %s (%v): real timedtext checks skipped", corpusDir, err)
	}
	for _, tc := range []struct {
		file  string
		n     int
		first youtube.Segment
		last  string
	}{
		{
			// Hand-made by jdepoix in the legacy shape: an escaped <i>
			// and an empty cue.
			file:  "jdepoix/transcript.xml.static",
			n:     3,
			first: youtube.Segment{StartMs: 0, DurationMs: 1540, Text: "Hey, this is just a test"},
			last:  "just something shorter, I made up for testing",
		},
		{
			file:  "excerpts/pytube_test_captions.srv1_excerpt.xml",
			n:     2,
			first: youtube.Segment{StartMs: 6500, DurationMs: 1700, Text: "[Herb, Software Engineer] 本影片包含隱藏式字幕。"},
			last:  "如要啓動字幕，請按一下這裡的圖示。",
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(corpusDir, tc.file))
			if err != nil {
				t.Fatalf("corpus file: %v", err)
			}
			format, segs, err := youtube.ParseTimedText(body)
			if err != nil || format != youtube.FormatLegacy {
				t.Fatalf("ParseTimedText = %q, %v; want legacy", format, err)
			}
			checkSegments(t, segs)
			if len(segs) != tc.n || segs[0] != tc.first || segs[len(segs)-1].Text != tc.last {
				t.Errorf("ParseTimedText = %+v\nwant %d segments from %+v to %q", segs, tc.n, tc.first, tc.last)
			}
			if segs2, err := youtube.ParseLegacyXML(body); err != nil || !slices.Equal(segs, segs2) {
				t.Errorf("ParseLegacyXML = %+v, %v; want what ParseTimedText said", segs2, err)
			}
		})
	}
	// The middle cue of jdepoix's file carries an escaped <i>.
	body, err := os.ReadFile(filepath.Join(corpusDir, "jdepoix/transcript.xml.static"))
	if err != nil {
		t.Fatal(err)
	}
	if _, segs, _ := youtube.ParseTimedText(body); len(segs) > 1 && segs[1].Text != "this is not the original transcript" {
		t.Errorf("escaped <i> cue = %q, want the tags dropped", segs[1].Text)
	}

	// Pages YouTube serves instead of captions when it blocks.
	for _, file := range []string{
		"jdepoix/youtube_consent_page.html.static",
		"jdepoix/youtube_too_many_requests.html.static",
	} {
		body, err := os.ReadFile(filepath.Join(corpusDir, file))
		if err != nil {
			t.Fatalf("corpus file: %v", err)
		}
		if _, _, err := youtube.ParseTimedText(body); !errors.Is(err, youtube.ErrNotCaptions) {
			t.Errorf("ParseTimedText(%s) = %v, want ErrNotCaptions", file, err)
		}
	}
}
