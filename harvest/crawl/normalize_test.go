package crawl

import "testing"

func normalizeTests() []struct{ in, want, err string } {
	return []struct{ in, want, err string }{
		{"https://News.Example/", "https://news.example/", ""},
		{"HTTPS://NEWS.EXAMPLE", "https://news.example/", ""},
		{"http://news.example:80/a", "http://news.example/a", ""},
		{"https://news.example:443/a", "https://news.example/a", ""},
		{"https://news.example:8443/a", "https://news.example:8443/a", ""},
		{"https://news.example/a#comments", "https://news.example/a", ""},
		{"https://news.example/a?utm_source=x&id=7&fbclid=abc&UTM_Medium=y", "https://news.example/a?id=7", ""},
		{"https://news.example/a?utm_source=x", "https://news.example/a", ""},
		{"https://user:pw@news.example/", "https://news.example/", ""},
		{"  https://news.example/a  ", "https://news.example/a", ""},
		{"https://news.example./a", "https://news.example/a", ""},
		{"http://[::1]:8080/x", "http://[::1]:8080/x", ""},
		{"http://[::1]:80/x", "http://[::1]/x", ""},
		{"https://news.example/a%20b?q=a%26b", "https://news.example/a%20b?q=a%26b", ""},
		{"ftp://news.example/", "", `unsupported scheme "ftp" (only http and https)`},
		{"file:///etc/passwd", "", `unsupported scheme "file" (only http and https)`},
		{"javascript:alert(1)", "", `unsupported scheme "javascript" (only http and https)`},
		{"news.example/a", "", "not an absolute URL (add http:// or https://)"},
		{"https:///a", "", "URL has no host"},
	}
}

func TestNormalize(t *testing.T) {
	for _, tc := range normalizeTests() {
		got, err := Normalize(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("Normalize(%q) = %q, %v; want error %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		// Normalising is idempotent.
		if again, err := Normalize(got); err != nil || again != got {
			t.Errorf("Normalize(Normalize(%q)) = %q, %v; want %q", tc.in, again, err, got)
		}
	}
}

func TestScope(t *testing.T) {
	s, err := NewScope([]string{"https://News.Example/", "http://127.0.0.1:8080/x"})
	if err != nil {
		t.Fatal(err)
	}
	for u, want := range map[string]bool{
		"https://news.example/a":      true,
		"http://news.example/a":       true, // same host, other scheme
		"https://www.news.example/a":  false,
		"https://other.example/":      false,
		"http://127.0.0.1:8080/y":     true,
		"http://127.0.0.1:9090/":      false,
		"https://youtube.com/watch?v": false,
	} {
		if got := s.Allow(u); got != want {
			t.Errorf("Allow(%q) = %v, want %v", u, got, want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, tc := range normalizeTests() {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Normalize(in)
		if err != nil {
			return
		}
		again, err := Normalize(got)
		if err != nil || again != got {
			t.Errorf("Normalize(%q) = %q; normalising again gives %q, %v", in, got, again, err)
		}
	})
}
