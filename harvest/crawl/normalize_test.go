package crawl

import (
	"fmt"
	"regexp"
	"testing"
)

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
		{"http://../", "", `URL host "." has an empty label`},
		{"http://news..example/", "", `URL host "news..example" has an empty label`},
		{"http://.news.example/", "", `URL host ".news.example" has an empty label`},
		{"http://news.example./", "http://news.example/", ""},
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
	seeds := []string{"https://News.Example/", "http://127.0.0.1:8080/x", "https://www.paper.co.uk/world"}
	tests := []struct {
		name string
		opts ScopeOptions
		want map[string]bool
	}{
		{"same host", ScopeOptions{}, map[string]bool{
			"https://news.example/a":       true,
			"http://news.example/a":        true, // same host, other scheme
			"https://www.news.example/a":   false,
			"https://other.example/":       false,
			"http://127.0.0.1:8080/y":      true,
			"http://127.0.0.1:9090/":       false,
			"https://www.paper.co.uk/news": true,
			"https://sport.paper.co.uk/":   false,
		}},
		{"same domain", ScopeOptions{Hosts: SameDomain}, map[string]bool{
			"https://www.news.example/a": true,
			"https://sport.paper.co.uk/": true,
			"https://other.co.uk/":       false, // co.uk is a public suffix, not a domain
			"https://other.example/":     false,
			"http://127.0.0.1:9090/":     true, // an IP is its own domain
		}},
		{"any host", ScopeOptions{Hosts: AnyHost}, map[string]bool{
			"https://other.example/": true,
		}},
		{"allow and deny", ScopeOptions{
			Allow: []*regexp.Regexp{regexp.MustCompile(`/20\d\d/`), regexp.MustCompile(`/video/`)},
			Deny:  []*regexp.Regexp{regexp.MustCompile(`/2019/`)},
		}, map[string]bool{
			"https://news.example/2026/11/a": true,
			"https://news.example/video/b":   true,
			"https://news.example/2019/05/c": false,
			"https://news.example/about":     false,
		}},
		{"traps", ScopeOptions{}, map[string]bool{
			"https://news.example/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p":   true,
			"https://news.example/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q": false,
			"https://news.example/cal/2026/cal/2027/cal/2028":        false,
			"https://news.example/page/page/x":                       true,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewScope(seeds, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			for u, want := range tc.want {
				if got := s.Allow(u); got != want {
					t.Errorf("Allow(%q) = %v, want %v", u, got, want)
				}
			}
		})
	}
}

func TestScopeQueryVariants(t *testing.T) {
	s, _ := NewScope([]string{"https://news.example/"}, ScopeOptions{})
	allowed := 0
	for i := range 500 {
		if s.Allow(fmt.Sprintf("https://news.example/search?q=%d", i)) {
			allowed++
		}
	}
	if allowed != MaxQueryVariants {
		t.Errorf("%d query variants allowed on one path, want %d", allowed, MaxQueryVariants)
	}
	if !s.Allow("https://news.example/search?q=1") {
		t.Error("a query seen before was refused")
	}
	if !s.Allow("https://news.example/other?q=1") {
		t.Error("another path was refused")
	}
}

func TestSeedHost(t *testing.T) {
	s, _ := NewScope([]string{"http://127.0.0.1:8080/", "https://News.Example/", "http://[::1]:9/"}, ScopeOptions{})
	for host, want := range map[string]bool{"127.0.0.1": true, "news.example": true, "NEWS.example.": true, "::1": true, "[::1]": true, "10.0.0.1": false, "evil.example": false} {
		if got := s.SeedHost(host); got != want {
			t.Errorf("SeedHost(%q) = %v, want %v", host, got, want)
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
