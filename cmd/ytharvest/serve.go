package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/harvestdev/ytharvest/web"
)

const serveSummary = `Usage: ytharvest serve [flags]

Serves a read-only web UI of the harvest: an overview with the new videos
per day per site, the videos (by status, channel, site and date), each
video with its status history, the pages that reference it and its
transcript, the channels, the sites, the vanished videos, and search.
Pages need no JavaScript and load nothing from the network.

It listens on loopback, 127.0.0.1:8080, and answers only requests made to
localhost. Another address must be asked for with --addr, and prints a
warning: anyone who can reach it can read the harvest. --auth-file then
asks for a user name and password (HTTP basic auth: put a TLS proxy in
front of it, or the password crosses the network in clear). The database
is opened read-only, so it works while a crawl writes.`

const serveExamples = `  ytharvest serve --db news.db                 # then open http://127.0.0.1:8080/
  ytharvest serve --addr 127.0.0.1:9000
  ytharvest serve --addr 0.0.0.0:8080 --auth-file /srv/news/users   # lines of user:password
`

func (a *app) serve(ctx context.Context, args []string) error {
	fs := a.newFlagSet("serve", serveSummary, serveExamples)
	dbPath := a.dbFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `HOST:PORT` (another host than loopback prints a warning)")
	authFile := fs.String("auth-file", "", "ask for a user name and password listed in `FILE`, one user:password a line")
	pos, err := a.parseLogged(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("serve takes no arguments (got %q)", pos[0])
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return usageError("--addr %q: want HOST:PORT, such as 127.0.0.1:8080", *addr)
	}
	var creds []web.Credentials
	if *authFile != "" {
		if creds, err = readAuthFile(*authFile); err != nil {
			return usageError("--auth-file: %v", err)
		}
	}
	d, err := openServingReader(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer d.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	loopback := isLoopback(host)
	if !loopback {
		a.log.Warn("serving on an address other than loopback: anyone who can reach it can read this harvest", "addr", ln.Addr().String())
		if len(creds) == 0 {
			a.log.Warn("no --auth-file: the harvest is open to every visitor")
		} else {
			a.log.Warn("basic auth sends the password in clear: put a TLS proxy in front of this server")
		}
	}
	srv := &http.Server{
		Handler:           web.New(d, web.Options{Log: a.log, Auth: creds, LoopbackOnly: loopback}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	url := "http://" + ln.Addr().String() + "/"
	if loopback && (host == "" || host == "localhost") {
		url = "http://localhost:" + portOf(ln.Addr()) + "/"
	}
	fmt.Fprintf(a.stdout, "serving %s at %s (read-only; Ctrl-C stops)\n", displayDB(*dbPath), url)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return fmt.Errorf("serve: stop: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// isLoopback reports whether a listen host is loopback only: localhost,
// 127.0.0.0/8 or ::1. An empty host or 0.0.0.0 listens everywhere.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func portOf(a net.Addr) string {
	_, port, _ := net.SplitHostPort(a.String())
	return port
}

// readAuthFile reads lines of user:password; blank lines and lines
// starting with # are skipped.
func readAuthFile(path string) ([]web.Credentials, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var creds []web.Credentials
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, pass, ok := strings.Cut(line, ":")
		if !ok || user == "" || pass == "" {
			return nil, fmt.Errorf("%s:%d: want user:password", path, n)
		}
		creds = append(creds, web.Credentials{User: user, Password: pass})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(creds) == 0 {
		return nil, fmt.Errorf("%s holds no user:password line", path)
	}
	return creds, nil
}
