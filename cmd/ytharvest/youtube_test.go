package main

import (
	"database/sql"
	"strings"
	"testing"
)

// coolDown ends every egress's bench, as the passing of its cool-down
// (15 minutes and more) would: the tests that block YouTube and then
// lift the block use it before the run that should go through.
func (e *env) coolDown() {
	e.t.Helper()
	coolDown(e.t, e.dbPath)
}

func coolDown(t *testing.T, path string) {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Exec(`UPDATE egresses SET benched_until = NULL, strikes = 0`); err != nil {
		t.Fatal(err)
	}
}

// The Data API key may come from $YOUTUBE_API_KEY; the help, which shows
// defaults, never shows it.
func TestAPIKeyFromEnvironment(t *testing.T) {
	e := newEnv(t, nil)
	env := map[string]string{"YOUTUBE_API_KEY": "env-key-secret", "YTHARVEST_YOUTUBE_API_URL": e.ytURL}
	e.app.getenv = func(k string) string { return env[k] }
	if code := e.run("video", "-h"); code != exitOK || strings.Contains(e.stderr.String()+e.stdout.String(), "env-key-secret") {
		t.Errorf("video -h: exit %d, and the key shows: %v", code, strings.Contains(e.stderr.String(), "env-key-secret"))
	}
	if code := e.run("video", "--youtube-url", e.ytURL, "--youtube-rate", "0", "--no-transcripts", "H7xQm2Lp9sA"); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	n := 0
	for _, r := range e.youtube.Requests() {
		if r.Path == "/youtube/v3/videos" && strings.Contains(r.Query, "key=env-key-secret") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d Data API requests with the environment's key, want 1", n)
	}
	if strings.Contains(e.stderr.String()+e.query(`SELECT options FROM runs`)[0], "env-key-secret") {
		t.Error("the key was printed or recorded")
	}
}
