package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/db"
)

// servingAt finds the URL in serve's "serving … at URL" line.
var servingAt = regexp.MustCompile(`(?m)^serving .* at (http://\S+/) `)

// emptyHarvest returns a new database holding no harvest yet.
func emptyHarvest(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "h.db")
	d, err := db.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	return path
}

// startServe runs `ytharvest serve` in-process with args until the test
// ends, and returns the loopback URL (no trailing slash) to reach it at,
// whatever address it listens on, and its standard error.
func startServe(t *testing.T, args ...string) (string, *lockedBuffer) {
	t.Helper()
	out, errOut := &lockedBuffer{}, &lockedBuffer{}
	a := &app{stdout: out, stderr: errOut, getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- a.main(ctx, append([]string{"serve", "--config="}, args...)) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("serve %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
		}
	})
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := servingAt.FindStringSubmatch(out.String()); m != nil {
			u, err := url.Parse(m[1])
			if err != nil {
				t.Fatal(err)
			}
			return "http://" + net.JoinHostPort("127.0.0.1", u.Port()), errOut
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("serve %s ended: exit %d\n%s", strings.Join(args, " "), code, errOut)
		default:
		}
	}
	t.Fatalf("serve %s did not say where it listens: %q %q", strings.Join(args, " "), out, errOut)
	return "", nil
}

// fetch requests base+"/" with the Host header host (when not "") and
// basic auth user:pass (when user is not ""), and returns the status.
func fetch(t *testing.T, base, host, user, pass string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// Serving on an address other than loopback prints a warning on standard
// error, and a second one saying what the lack or the use of --auth-file
// means; the loopback default prints neither, and refuses a request that
// names another host (a DNS rebinding), which another address must take.
func TestServeWarnsOffLoopback(t *testing.T) {
	dbPath := emptyHarvest(t)
	authFile := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(authFile, []byte("ana:s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const offLoopback = "serving on an address other than loopback: anyone who can reach it can read this harvest"
	for _, tc := range []struct {
		addr     string
		auth     bool
		warnings []string // on stderr, in this order; nil: stderr stays empty
	}{
		{"127.0.0.1:0", false, nil}, // the default's host
		{"localhost:0", false, nil},
		{"0.0.0.0:0", false, []string{offLoopback, "no --auth-file: the harvest is open to every visitor"}},
		{":0", false, []string{offLoopback, "no --auth-file"}},
		{"0.0.0.0:0", true, []string{offLoopback, "basic auth sends the password in clear"}},
	} {
		name := tc.addr
		if tc.auth {
			name += " with --auth-file"
		}
		t.Run(name, func(t *testing.T) {
			args := []string{"--db", dbPath, "--addr", tc.addr}
			user, pass := "", ""
			if tc.auth {
				args = append(args, "--auth-file", authFile)
				user, pass = "ana", "s3cret"
			}
			base, stderr := startServe(t, args...)
			if code := fetch(t, base, "", user, pass); code != http.StatusOK {
				t.Errorf("GET /: %d, want 200", code)
			}
			rebound := http.StatusMisdirectedRequest
			if tc.warnings != nil {
				rebound = http.StatusOK
			}
			if code := fetch(t, base, "harvest.example", user, pass); code != rebound {
				t.Errorf("GET / with Host harvest.example: %d, want %d", code, rebound)
			}
			got := stderr.String()
			if tc.warnings == nil && got != "" {
				t.Errorf("serve on loopback printed on stderr:\n%s", got)
			}
			lines := strings.Split(got, "\n")
			for _, w := range tc.warnings {
				i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, w) })
				if i < 0 {
					t.Errorf("stderr lacks %q (after the warnings before it):\n%s", w, got)
					break
				}
				if !strings.Contains(lines[i], "level=WARN") {
					t.Errorf("not logged as a warning: %s", lines[i])
				}
				lines = lines[i+1:]
			}
		})
	}
}

// --auth-file asks for one of its users: a request without credentials,
// or with a wrong user or password, gets 401 and a Basic challenge; each
// listed user gets 200. The file's comments and blank lines are skipped;
// an unusable file is a usage error.
func TestServeAuthFile(t *testing.T) {
	dbPath := emptyHarvest(t)
	dir := t.TempDir()
	authFile := filepath.Join(dir, "users")
	if err := os.WriteFile(authFile, []byte("# who may read the harvest\nana:s3cret\n\nbob:pass:with:colons\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"127.0.0.1:0", "0.0.0.0:0"} {
		t.Run(addr, func(t *testing.T) {
			base, _ := startServe(t, "--db", dbPath, "--addr", addr, "--auth-file", authFile)
			for _, tc := range []struct {
				user, pass string
				want       int
			}{
				{"", "", http.StatusUnauthorized},
				{"ana", "wrong", http.StatusUnauthorized},
				{"ana", "", http.StatusUnauthorized},
				{"eve", "s3cret", http.StatusUnauthorized},
				{"# who may read the harvest", "", http.StatusUnauthorized},
				{"ana", "s3cret", http.StatusOK},
				{"bob", "pass:with:colons", http.StatusOK},
			} {
				if got := fetch(t, base, "", tc.user, tc.pass); got != tc.want {
					t.Errorf("GET / as %q:%q: %d, want %d", tc.user, tc.pass, got, tc.want)
				}
			}
			resp, err := http.Get(base + "/videos")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if ch := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(ch, "Basic ") {
				t.Errorf("GET /videos without credentials: %s, WWW-Authenticate %q; want 401 and a Basic challenge", resp.Status, ch)
			}
		})
	}

	empty := filepath.Join(dir, "empty")
	bad := filepath.Join(dir, "bad")
	os.WriteFile(empty, []byte("# nobody yet\n\n"), 0o600)
	os.WriteFile(bad, []byte("ana\n"), 0o600)
	for _, f := range []string{filepath.Join(dir, "missing"), empty, bad} {
		var stderr strings.Builder
		a := &app{stdout: io.Discard, stderr: &stderr, getenv: func(string) string { return "" }}
		code := a.main(t.Context(), []string{"serve", "--config=", "--db", dbPath, "--addr", "127.0.0.1:0", "--auth-file", f})
		if code != exitUsage || !strings.Contains(stderr.String(), "--auth-file") {
			t.Errorf("serve --auth-file %s: exit %d, stderr %q; want exit %d naming --auth-file", filepath.Base(f), code, stderr.String(), exitUsage)
		}
	}
}

// serveAs runs the binary's serve on dbPath as uid, requests the overview
// and the videos once, stops it with an interrupt, and checks it answered
// 200 with want in the videos page and exited 0.
func serveAs(t *testing.T, bin string, uid uint32, dbPath, want string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--db", dbPath, "--addr", "127.0.0.1:0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/"}
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped { // a Fatal, or no stop on the interrupt
			cmd.Process.Kill()
			<-exited
		}
	}()
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == ""; time.Sleep(10 * time.Millisecond) {
		if m := servingAt.FindStringSubmatch(stdout.String()); m != nil {
			base = strings.TrimSuffix(m[1], "/")
			break
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("serve as uid %d ended before it listened: %v\n%s", uid, err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve as uid %d did not say where it listens: %q\n%s", uid, stdout.String(), stderr.String())
		}
	}
	for _, path := range []string{"/", "/videos"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatalf("serve as uid %d: %v", uid, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("serve as uid %d: GET %s: %s\n%s", uid, path, resp.Status, stderr.String())
		} else if path == "/videos" && !strings.Contains(string(body), want) {
			t.Errorf("serve as uid %d: GET /videos lacks %q", uid, want)
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("serve as uid %d after an interrupt: %v\n%s", uid, err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Errorf("serve as uid %d did not stop on an interrupt", uid)
	}
	t.Logf("uid %d: ytharvest serve --db %s\n%s%s", uid, dbPath, stdout.String(), stderr.String())
}
