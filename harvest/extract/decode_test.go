package extract

import (
	"slices"
	"strings"
	"testing"
)

func TestDecodeJSEscapes(t *testing.T) {
	for in, want := range map[string]string{
		`https:\/\/youtu.be\/x`: "https://youtu.be/x",
		`a\u0026b`:              "a&b",
		`a\x26b`:                "a&b",
		`\"q\"`:                 `"q"`,
		`line\nbreak`:           "line break",
		`bad\u00zz`:             "badu00zz",
		`trailing\`:             `trailing\`,
	} {
		if got := decodeJSEscapes(in); got != want {
			t.Errorf("decodeJSEscapes(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUnescapePercent(t *testing.T) {
	for in, want := range map[string]string{
		"%3Ciframe%20src%3D%22x%22%3E": `<iframe src="x">`,
		"a+b%2Bc":                      "a+b+c",
		"%3c%3E":                       "<>",
		"100%":                         "100%",
		"%zz%4":                        "%zz%4",
	} {
		if got := unescapePercent(in); got != want {
			t.Errorf("unescapePercent(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPctEncoded(t *testing.T) {
	for in, want := range map[string]bool{
		"%3Ciframe%20src%3D%22https%3A%2F%2Fwww.": true, // markup
		"https%3A%2F%2F":                              true,  // a URL
		"%2F%2Fwww.":                                  true,  // protocol-relative
		"code=%3Cdiv%3E%3Ciframe%20src%3D%22":         true,  // a value in a list of settings
		"https://www.google.com/url?q=https%3A%2F%2F": false, // a wrapper: passed whole
		"/embed?url=https%3A%2F%2F":                   false, // a site's own proxy
		"?url=https%3A%2F%2F":                         false,
		"/redirect/https%3A%2F%2F":                    false, // a wrapper's path
		"100%25%20of%20":                              false, // encoded, but no markup or URL
		"":                                            false,
	} {
		if got := pctEncoded(in); got != want {
			t.Errorf("pctEncoded(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestEncodedMarkup(t *testing.T) {
	for in, want := range map[string]bool{
		"&lt;iframe src=&quot;https://www.youtube.com/embed/x&quot;&gt;": true,
		`\u003ciframe src=\"https://www.youtube.com/embed/x\"`:           true,
		"%3Ciframe%20src%3D%22https%3A%2F%2Fwww.youtube.com":             true,
		"https%3A%2F%2Fyoutu.be%2Fx":                                     true,
		"https://www.youtube.com/watch?v=x&amp;t=5":                      false,
		"https://e.example/embed?u=https%3A%2F%2Fyoutu.be%2Fx":           false,
	} {
		if got := encodedMarkup(in); got != want {
			t.Errorf("encodedMarkup(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestScanCodeDecodeBounds checks that decoding stops after maxDecode
// layers and at maxDecodeLen bytes.
func TestScanCodeDecodeBounds(t *testing.T) {
	scan := func(s string) []string {
		var got []string
		scanCode(s, func(u string) { got = append(got, u) })
		return got
	}
	url := "https://youtu.be/Ab3dEf9hIjK"
	layer := func(s string) string { // one more layer of percent-encoding
		return strings.NewReplacer("%", "%25", ":", "%3A", "/", "%2F", "<", "%3C", ">", "%3E", `"`, "%22", " ", "%20", "=", "%3D").Replace(s)
	}
	s := `<iframe src="` + url + `">`
	for depth := 1; depth <= maxDecode+1; depth++ {
		s = layer(s)
		got := scan(s)
		found := slices.Contains(got, url)
		if found != (depth <= maxDecode) {
			t.Errorf("%d layers: scanCode found %q, want the URL: %v", depth, got, depth <= maxDecode)
		}
	}
	long := layer(`<p>` + strings.Repeat("x", maxDecodeLen) + `</p><iframe src="` + url + `">`)
	if got := scan(long); len(got) != 0 {
		t.Errorf("a token of %d bytes was decoded: %q", len(long), got)
	}
	short := layer(`<iframe src="` + url + `">`)
	if got := scan(short); !slices.Equal(got, []string{url}) {
		t.Errorf("scanCode(%q) = %q, want %q", short, got, url)
	}
}
