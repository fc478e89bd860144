package youtube_test

import (
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/harvestdev/ytharvest/harvest/youtube"
)

// addCaptionSeeds seeds f with the caption fixtures of the given format
// and a few bodies every parser must survive.
func addCaptionSeeds(f *testing.F, format string) {
	for in := range captionFixtures(f) {
		if got, _ := parserFor(in); got == format || got == "" {
			body, err := os.ReadFile(in)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(body)
		}
	}
	for _, s := range []string{
		"", " ", "\uFEFF", "{", "<", "<timedtext", "<transcript>",
		`{"events":null}`, `{"events":[{"segs":[{"utf8":"\n"}]}]}`,
		`<timedtext format="3"><body><p t="-5" d="x"><s>a<br>b</s></p></body></timedtext>`,
		`<transcript><text start="1e308" dur="-1e308">&amp;amp;#39;</text></transcript>`,
	} {
		f.Add([]byte(s))
	}
}

// fuzzParser checks a parser's promises on one input: no panic; without
// an error, well-formed segments (checkSegments); and the same answer from
// ParseTimedText when it sniffs the parser's format.
func fuzzParser(t *testing.T, format string, parse func([]byte) ([]youtube.Segment, error), body []byte) {
	segs, err := parse(body)
	if err != nil {
		if segs != nil {
			t.Fatalf("%d segments with error %v", len(segs), err)
		}
		if errors.Is(err, youtube.ErrEmptyCaption) && errors.Is(err, youtube.ErrNotCaptions) {
			t.Fatalf("error %v is both empty and not captions", err)
		}
		return
	}
	checkSegments(t, segs)
	sniffed, segs2, err2 := youtube.ParseTimedText(body)
	if sniffed == format && (err2 != nil || !slices.Equal(segs, segs2)) {
		t.Fatalf("ParseTimedText = %q, %d segments, %v; the %s parser gave %d segments", sniffed, len(segs2), err2, format, len(segs))
	}
}

func FuzzParseJSON3(f *testing.F) {
	addCaptionSeeds(f, youtube.FormatJSON3)
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzParser(t, youtube.FormatJSON3, youtube.ParseJSON3, body)
	})
}

func FuzzParseSRV3(f *testing.F) {
	addCaptionSeeds(f, youtube.FormatSRV3)
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzParser(t, youtube.FormatSRV3, youtube.ParseSRV3, body)
	})
}

func FuzzParseLegacyXML(f *testing.F) {
	addCaptionSeeds(f, youtube.FormatLegacy)
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzParser(t, youtube.FormatLegacy, youtube.ParseLegacyXML, body)
	})
}
