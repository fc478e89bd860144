package testserver

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Proxy is a fake forward HTTP proxy, one egress of the tests: it
// forwards requests (absolute-form, as clients send them to a proxy) to
// loopback servers only, marking each with X-Fake-Proxy: Name so that the
// fake YouTube can tell which egress a request came through. After
// BlockAfter requests (0: never) it answers every request with a 429 and
// a captcha page, as YouTube answers an address it blocked. With User
// set, it requires those Proxy-Authorization credentials (407 without).
type Proxy struct {
	Name       string
	BlockAfter int
	User, Pass string

	mu      sync.Mutex
	served  int
	blocked int
	denied  int
}

// Counts says how many requests were forwarded, answered blocked, and
// refused for want of credentials.
func (p *Proxy) Counts() (served, blocked, denied int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.served, p.blocked, p.denied
}

// proxyCaptcha is what a blocked proxy answers, as YouTube's "unusual
// traffic" page.
const proxyCaptcha = `<!DOCTYPE html><html><head><title>Sorry...</title></head><body><div id="captcha-page">
<p>Our systems have detected unusual traffic from your computer network.</p>
<form action="/das_captcha?fw=1" method="POST"><div class="g-recaptcha" data-sitekey="x"></div></form></div></body></html>`

// ServeHTTP forwards one request.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.User != "" {
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte(p.User+":"+p.Pass))
		if r.Header.Get("Proxy-Authorization") != want {
			p.mu.Lock()
			p.denied++
			p.mu.Unlock()
			w.Header().Set("Proxy-Authenticate", `Basic realm="fake"`)
			http.Error(w, "Proxy Authentication Required", http.StatusProxyAuthRequired)
			return
		}
	}
	if r.Method == http.MethodConnect || !r.URL.IsAbs() {
		http.Error(w, "fake proxy: only absolute-form http:// requests", http.StatusBadRequest)
		return
	}
	if !isLoopback(r.URL.Hostname()) {
		http.Error(w, "fake proxy: refusing "+r.URL.Host, http.StatusForbidden)
		return
	}
	p.mu.Lock()
	over := p.BlockAfter > 0 && p.served+p.blocked >= p.BlockAfter
	if over {
		p.blocked++
	} else {
		p.served++
	}
	p.mu.Unlock()
	if over {
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, proxyCaptcha)
		return
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, r.URL.String(), r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	for k, vs := range r.Header {
		if !strings.HasPrefix(k, "Proxy-") {
			out.Header[k] = vs
		}
	}
	out.Header.Set("X-Fake-Proxy", p.Name)
	resp, err := (&http.Transport{}).RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SOCKS5 is a fake SOCKS5 proxy (RFC 1928, CONNECT only, with RFC 1929
// username/password when User is set) that connects to loopback
// addresses only.
type SOCKS5 struct {
	User, Pass string

	ln    net.Listener
	mu    sync.Mutex
	conns int
	wg    sync.WaitGroup
}

// Start listens on a loopback port and returns the proxy's address.
func (s *SOCKS5) Start() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	s.ln = ln
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Go(func() { s.serve(c) })
		}
	})
	return ln.Addr().String(), nil
}

// Close stops the proxy (connections in progress end when their peers
// close).
func (s *SOCKS5) Close() error {
	return s.ln.Close()
}

// Conns says how many connections the proxy made for its clients.
func (s *SOCKS5) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

func (s *SOCKS5) serve(c net.Conn) {
	defer c.Close()
	target, err := s.handshake(c)
	if err != nil {
		return
	}
	up, err := net.Dial("tcp", target)
	if err != nil {
		c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0}) // connection refused
		return
	}
	defer up.Close()
	s.mu.Lock()
	s.conns++
	s.mu.Unlock()
	if _, err := c.Write([]byte{5, 0, 0, 1, 127, 0, 0, 1, 0, 0}); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); up.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
	<-done
}

// handshake reads the greeting, the credentials and the CONNECT request,
// and returns the address to connect to.
func (s *SOCKS5) handshake(c net.Conn) (string, error) {
	var head [2]byte
	if _, err := io.ReadFull(c, head[:]); err != nil || head[0] != 5 {
		return "", errors.New("not SOCKS5")
	}
	methods := make([]byte, head[1])
	if _, err := io.ReadFull(c, methods); err != nil {
		return "", err
	}
	want := byte(0) // no authentication
	if s.User != "" {
		want = 2 // username/password
	}
	if !strings.ContainsRune(string(methods), rune(want)) {
		c.Write([]byte{5, 0xff})
		return "", errors.New("no acceptable method")
	}
	c.Write([]byte{5, want})
	if want == 2 {
		var ver [2]byte
		if _, err := io.ReadFull(c, ver[:]); err != nil {
			return "", err
		}
		user := make([]byte, ver[1])
		io.ReadFull(c, user)
		var plen [1]byte
		io.ReadFull(c, plen[:])
		pass := make([]byte, plen[0])
		io.ReadFull(c, pass)
		if string(user) != s.User || string(pass) != s.Pass {
			c.Write([]byte{1, 1})
			return "", errors.New("bad credentials")
		}
		c.Write([]byte{1, 0})
	}
	var req [4]byte
	if _, err := io.ReadFull(c, req[:]); err != nil || req[0] != 5 || req[1] != 1 {
		c.Write([]byte{5, 7, 0, 1, 0, 0, 0, 0, 0, 0}) // command not supported
		return "", errors.New("not CONNECT")
	}
	var host string
	switch req[3] {
	case 1:
		ip := make([]byte, 4)
		io.ReadFull(c, ip)
		host = net.IP(ip).String()
	case 3:
		var n [1]byte
		io.ReadFull(c, n[:])
		name := make([]byte, n[0])
		io.ReadFull(c, name)
		host = string(name)
	case 4:
		ip := make([]byte, 16)
		io.ReadFull(c, ip)
		host = net.IP(ip).String()
	default:
		return "", fmt.Errorf("address type %d", req[3])
	}
	var port [2]byte
	if _, err := io.ReadFull(c, port[:]); err != nil {
		return "", err
	}
	if !isLoopback(host) {
		c.Write([]byte{5, 2, 0, 1, 0, 0, 0, 0, 0, 0}) // not allowed by ruleset
		return "", errors.New("not loopback")
	}
	return net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(port[:])))), nil
}
