package youtube_test

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/harvest/youtube"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

// SOCKS5 through golang.org/x/net/proxy, with a user and password; a wrong
// password is an error whose text and logs never show it.
func TestSOCKS5Proxy(t *testing.T) {
	yt, srv := fakeYouTube(t)
	socks := &testserver.SOCKS5{User: "harvester", Pass: "s3cret-pw"}
	addr, err := socks.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { socks.Close() })
	s := newSource(t, srv, func(o *youtube.Options) {
		o.Proxies, o.Transport = []string{"socks5://harvester:s3cret-pw@" + addr}, nil
	})
	if v := fetch(t, s, "H7xQm2Lp9sA"); v.Status != harvest.VideoOK {
		t.Fatalf("through SOCKS5: %s %q", v.Status, v.StatusReason)
	}
	if socks.Conns() == 0 || len(yt.Requests()) == 0 {
		t.Errorf("SOCKS5 made %d connections, YouTube got %d requests", socks.Conns(), len(yt.Requests()))
	}
	if got := s.Egresses(); len(got) != 1 || got[0] != "socks5://"+addr {
		t.Errorf("Egresses = %q, want the proxy without its credentials", got)
	}

	var logs bytes.Buffer
	bad := newSource(t, srv, func(o *youtube.Options) {
		o.Proxies, o.Transport = []string{"socks5://harvester:wrong-pw@" + addr}, nil
		o.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	v := fetch(t, bad, "H7xQm2Lp9sA")
	if v.Status != harvest.VideoError {
		t.Errorf("wrong password: %s %q, want error", v.Status, v.StatusReason)
	}
	if strings.Contains(v.StatusReason+logs.String(), "wrong-pw") {
		t.Errorf("the password shows: %q\n%s", v.StatusReason, &logs)
	}
}

// An https:// proxy (TLS to the proxy) with credentials in the URL.
func TestHTTPSProxy(t *testing.T) {
	yt, srv := fakeYouTube(t)
	p := &testserver.Proxy{Name: "tls", User: "u", Pass: "p@ss"}
	psrv := httptest.NewTLSServer(p)
	t.Cleanup(psrv.Close)
	u := strings.Replace(psrv.URL, "https://", "https://u:p%40ss@", 1)
	s := newSource(t, srv, func(o *youtube.Options) {
		o.Proxies = []string{u}
		o.Transport = psrv.Client().Transport // trusts the proxy's certificate
	})
	if v := fetch(t, s, "H7xQm2Lp9sA"); v.Status != harvest.VideoOK {
		t.Fatalf("through an https proxy: %s %q", v.Status, v.StatusReason)
	}
	served, _, denied := p.Counts()
	if served == 0 || denied != 0 {
		t.Errorf("proxy served %d, denied %d", served, denied)
	}
	for _, r := range yt.Requests() {
		if r.Via != "tls" {
			t.Errorf("%s %s did not come through the proxy", r.Method, r.Path)
		}
	}
}

func TestParseProxy(t *testing.T) {
	for _, tc := range []struct{ in, label, err string }{
		{"http://user:pw@proxy.example:3128", "http://proxy.example:3128", ""},
		{"https://proxy.example", "https://proxy.example:443", ""},
		{"socks5://u:p@127.0.0.1", "socks5://127.0.0.1:1080", ""},
		{"socks5h://[::1]:9050", "socks5h://[::1]:9050", ""},
		{"ftp://u:secret@proxy.example", "", "unsupported scheme"},
		{"http://u:secret@proxy.example:99999", "", "bad port"},
		{"http://u:secret@proxy.example/path", "", "only"},
		{"http://u:secret@", "", "no host"},
	} {
		p, err := youtube.ParseProxy(tc.in)
		switch {
		case tc.err == "" && (err != nil || p.Label != tc.label):
			t.Errorf("ParseProxy(%q) = %q, %v; want %q", tc.in, p.Label, err, tc.label)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseProxy(%q) error %v, want %q", tc.in, err, tc.err)
		case err != nil && strings.Contains(err.Error(), "secret"):
			t.Errorf("ParseProxy(%q) error shows the password: %v", tc.in, err)
		}
	}
	got, err := youtube.ReadProxies(strings.NewReader("# egresses\nhttp://a:1@gw.example:7000\n\n  http://b:2@gw.example:7000  \nsocks5://127.0.0.1:1080\n"), "proxies.txt")
	if err != nil || len(got) != 3 {
		t.Errorf("ReadProxies = %q, %v", got, err)
	}
	if _, err := youtube.ReadProxies(strings.NewReader("http://ok.example\nnot a proxy://x\n"), "proxies.txt"); err == nil || !strings.HasPrefix(err.Error(), "proxies.txt:2:") {
		t.Errorf("ReadProxies with a bad line: %v, want proxies.txt:2:", err)
	}
	// Two proxies on one gateway (a provider's sessions) are two egresses.
	s, err := youtube.New(youtube.Options{Proxies: got})
	if err != nil {
		t.Fatal(err)
	}
	if labels := s.Egresses(); strings.Join(labels, " ") != "http://gw.example:7000 http://gw.example:7000#2 socks5://127.0.0.1:1080" {
		t.Errorf("Egresses = %q", labels)
	}
}

// Cookies go to YouTube's hosts only, whatever host the request is
// rewritten to, never elsewhere.
func TestCookies(t *testing.T) {
	yt, srv := fakeYouTube(t)
	jar, err := youtube.ReadCookies(strings.NewReader(`# Netscape HTTP Cookie File
.youtube.com	TRUE	/	TRUE	0	SID	sid-secret
#HttpOnly_.youtube.com	TRUE	/	TRUE	4102444800	__Secure-3PSID	psid-secret
.youtube.com	TRUE	/	TRUE	1	EXPIRED	old
.google.com	TRUE	/	TRUE	0	NID	google-only
`), "cookies.txt")
	if err != nil || jar.Len() != 3 {
		t.Fatalf("ReadCookies: %d cookies, %v; want the 3 of youtube.com", jar.Len(), err)
	}
	s := newSource(t, srv, func(o *youtube.Options) {
		o.Cookies = jar
		o.API = youtube.APIOptions{Key: "k", URL: srv.URL}
		o.Transport = srv.Client().Transport // the API request goes to srv's own host
	})
	v := fetch(t, s, "H7xQm2Lp9sA")
	transcripts(t, s, v)
	s.Prefetch(t.Context(), []harvest.VideoClaim{{ID: "k3Rt_vB8nQw"}})
	for _, r := range yt.Requests() {
		api := r.Path == "/youtube/v3/videos"
		has := strings.Contains(r.Cookie, "SID=sid-secret") && strings.Contains(r.Cookie, "__Secure-3PSID=psid-secret")
		switch {
		case api && strings.Contains(r.Cookie, "secret"):
			t.Errorf("the Data API request carried the YouTube cookies: %q", r.Cookie)
		case !api && !has:
			t.Errorf("%s %s without the cookies: %q", r.Method, r.Path, r.Cookie)
		case strings.Contains(r.Cookie, "NID") || strings.Contains(r.Cookie, "EXPIRED"):
			t.Errorf("%s %s carried a cookie it should not: %q", r.Method, r.Path, r.Cookie)
		}
	}
	for _, bad := range []string{"not\ta\tcookie\n", "# only comments\n", ".google.com\tTRUE\t/\tTRUE\t0\tNID\tx\n"} {
		if _, err := youtube.ReadCookies(strings.NewReader(bad), "c.txt"); err == nil {
			t.Errorf("ReadCookies(%q) succeeded", bad)
		}
	}
}

// A proxy that refuses our credentials (407), or cannot be reached: the
// video is error, tried again next run, and the reason names the proxy as
// scheme://host:port, never its password.
func TestProxyRefusesOrUnreachable(t *testing.T) {
	_, srv := fakeYouTube(t)
	p := &testserver.Proxy{Name: "strict", User: "u", Pass: "right"}
	psrv := httptest.NewServer(p)
	t.Cleanup(psrv.Close)
	host := strings.TrimPrefix(psrv.URL, "http://")
	for _, tc := range []struct{ name, proxy, label string }{
		{"wrong password", "http://u:wrong-pw@" + host, "http://" + host},
		{"unreachable", "http://u:wrong-pw@127.0.0.1:1", "http://127.0.0.1:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			s := newSource(t, srv, func(o *youtube.Options) {
				o.Proxies, o.Transport = []string{tc.proxy}, nil
				o.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			v := fetch(t, s, "H7xQm2Lp9sA")
			if v.Status != harvest.VideoError {
				t.Errorf("%s %q, want error", v.Status, v.StatusReason)
			}
			if strings.Contains(v.StatusReason+logs.String(), "wrong-pw") {
				t.Errorf("the password shows: %q\n%s", v.StatusReason, &logs)
			}
			if !strings.Contains(v.StatusReason, tc.label) {
				t.Errorf("the reason %q does not name the proxy %s", v.StatusReason, tc.label)
			}
			if got := s.Egresses(); len(got) != 1 || got[0] != tc.label {
				t.Errorf("Egresses = %q, want %q", got, tc.label)
			}
		})
	}
	if _, _, denied := p.Counts(); denied == 0 {
		t.Error("the proxy denied nothing: the credentials were not tried")
	}
}
