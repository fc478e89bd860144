package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/internal/dbcheck"
)

// Texts that CSV must quote and JSON must escape.
var trickyTexts = []string{
	`He said "hello", then left`,
	"a, b, c",
	"line one\nline two\n",
	"Zürich – 東京 – مرحبا – 🎉",
	" leading space",
	`back\slash and \. alone`,
	"tab\there",
	"\u2028separators\u2029",
	`""`,
	"#not a comment",
}

// exportDB builds a database with every exported table populated, by the
// store's own methods: two crawls, at t1 and t2, whose text is tricky.
func exportDB(t *testing.T) (path string, t1, t2 time.Time) {
	t.Helper()
	ctx := context.Background()
	path = filepath.Join(t.TempDir(), "export.db")
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	t1 = time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	t2 = time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	now := t1
	d.Now = func() time.Time { return now }
	crawl := func(seed, title string, refs []harvest.Reference, out []harvest.Page) {
		t.Helper()
		run := &harvest.Run{Command: "crawl", StartedAt: now, Status: harvest.RunRunning, Options: title}
		if err := d.StartRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		defer func() {
			run.FinishedAt, run.Status, run.Error = now.Add(time.Minute), harvest.RunStopped, title
			if err := d.FinishRun(ctx, run); err != nil {
				t.Fatal(err)
			}
		}()
		if err := d.AddSeeds(ctx, []string{seed}); err != nil {
			t.Fatal(err)
		}
		ps, err := d.NextPages(ctx, 10, 0, nil, nil)
		if err != nil || len(ps) != 1 {
			t.Fatalf("NextPages = %+v, %v", ps, err)
		}
		p := ps[0]
		p.State, p.HTTPStatus, p.Title, p.Language = harvest.PageFetched, 200, title, "de"
		if _, err := d.SavePages(ctx, []harvest.PageSave{{Page: &p, Refs: refs, Out: out}}); err != nil {
			t.Fatal(err)
		}
	}
	video := func(id string, texts []string) {
		t.Helper()
		v := &harvest.Video{ID: id, Status: harvest.VideoOK, Title: texts[0], Description: strings.Join(texts, "\n"),
			ChannelID: "UCexampleNewsChannel0001", ChannelTitle: texts[1], ViewCount: 1 << 40, Duration: 95 * time.Second,
			IsLive: true, Keywords: texts[2:5], CaptionTracks: []harvest.CaptionTrack{{Language: "de", Name: texts[4]}, {Language: "en", Name: texts[5], Generated: true}}}
		if err := d.SaveVideo(ctx, v); err != nil {
			t.Fatal(err)
		}
		tr := harvest.Transcript{VideoID: id, Language: "de", Name: texts[3], Source: "timedtext:json3"}
		for i, s := range texts {
			tr.Segments = append(tr.Segments, harvest.Segment{StartMs: int64(i) * 1500, DurationMs: 1500, Text: s})
		}
		if err := d.SaveTranscripts(ctx, id, harvest.TranscriptOK, "", []harvest.Transcript{tr}); err != nil {
			t.Fatal(err)
		}
	}
	var refs []harvest.Reference
	for i, s := range trickyTexts {
		refs = append(refs, harvest.Reference{Type: harvest.RefVideo, ID: fmt.Sprintf("vid%08d", i), Kind: harvest.KindAnchor,
			Context: s, InBody: i%2 == 0, StartSeconds: i, URL: "https://www.youtube.com/watch?v=" + fmt.Sprintf("vid%08d", i)})
	}
	refs = append(refs, harvest.Reference{Type: harvest.RefChannel, ID: "@examplenews", Kind: harvest.KindAnchor})
	crawl("https://news.example/", trickyTexts[0], refs, []harvest.Page{{URL: "https://news.example/a,b", Depth: 1}})
	video("vid00000000", trickyTexts)
	video("vid00000001", slices.Concat(trickyTexts[5:], trickyTexts[:5]))

	now = t2
	crawl("https://other.example/", trickyTexts[3], []harvest.Reference{
		{Type: harvest.RefVideo, ID: "newvideo123", Kind: harvest.KindIframe, InBody: true},
	}, nil)
	video("newvideo123", slices.Concat(trickyTexts[2:], trickyTexts[:2]))
	return path, t1, t2
}

// exportRun runs `ytharvest export args` and returns the exit code,
// standard output and standard error. It calls a.export and maps its error
// to an exit code as app.main does (main.go's dispatch of export is added
// beside this file).
func exportRun(t *testing.T, stdout io.Writer, args ...string) (int, string) {
	t.Helper()
	return exportRunCtx(t, context.Background(), stdout, args...)
}

func exportRunCtx(t *testing.T, ctx context.Context, stdout io.Writer, args ...string) (int, string) {
	t.Helper()
	var stderr bytes.Buffer
	a := &app{stdout: stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	err := a.export(ctx, args)
	code := exitOK
	var ce *codeError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, &ce):
		code = ce.code
		if ce.err != nil {
			fmt.Fprintln(&stderr, "ytharvest:", ce.err)
		}
	default:
		code = exitError
		fmt.Fprintln(&stderr, "ytharvest:", err)
	}
	t.Logf("ytharvest export %s -> exit %d\nstderr:\n%s", strings.Join(args, " "), code, &stderr)
	return code, stderr.String()
}

// dbRows reads a table straight from the file: its column names and rows.
func dbRows(t *testing.T, path, query string) ([]string, [][]any) {
	t.Helper()
	d := dbcheck.Open(t, path)
	defer d.Close()
	rows, err := d.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		row := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return cols, out
}

// exportTables are the tables with the query that reads each directly.
func exportTables() []struct{ table, query string } {
	return []struct{ table, query string }{
		{"videos", `SELECT * FROM videos ORDER BY id`},
		{"links", `SELECT l.*, p.url AS page_url FROM links l JOIN pages p ON p.id = l.page_id ORDER BY l.id`},
		{"pages", `SELECT * FROM pages ORDER BY id`},
		{"transcripts", `SELECT * FROM transcripts ORDER BY id`},
		{"segments", `SELECT * FROM transcript_segments ORDER BY id`},
		{"caption_tracks", `SELECT * FROM caption_tracks ORDER BY rowid`},
		{"runs", `SELECT * FROM runs ORDER BY id`},
	}
}

// TestExportCSV reads every table's CSV back with encoding/csv and
// compares it with the rows in the database.
func TestExportCSV(t *testing.T) {
	path, _, _ := exportDB(t)
	for _, tc := range exportTables() {
		t.Run(tc.table, func(t *testing.T) {
			var out bytes.Buffer
			if code, stderr := exportRun(t, &out, "--db", path, "--table", tc.table, "--format", "csv"); code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			r := csv.NewReader(&out)
			r.FieldsPerRecord = 0 // every record as long as the header
			records, err := r.ReadAll()
			if err != nil {
				t.Fatalf("reading the CSV back: %v\n%s", err, out.String())
			}
			cols, rows := dbRows(t, path, tc.query)
			want := [][]string{cols}
			for _, row := range rows {
				rec := make([]string, len(row))
				for i, v := range row {
					switch v := v.(type) {
					case nil:
					case int64:
						rec[i] = strconv.FormatInt(v, 10)
					case string:
						rec[i] = v
					default:
						t.Fatalf("column %s is a %T", cols[i], v)
					}
				}
				want = append(want, rec)
			}
			if len(rows) == 0 {
				t.Fatal("the fixture has no rows")
			}
			if len(records) != len(want) {
				t.Fatalf("%d records, want %d (header and rows)", len(records), len(want))
			}
			for i := range want {
				if !slices.Equal(records[i], want[i]) {
					t.Errorf("record %d = %q\nwant %q", i, records[i], want[i])
				}
			}
		})
	}
}

// TestExportJSONL parses every line of every table's JSONL and compares it
// with the rows in the database: keys in column order, integers as
// numbers, NULL as null.
func TestExportJSONL(t *testing.T) {
	path, _, _ := exportDB(t)
	for _, tc := range exportTables() {
		t.Run(tc.table, func(t *testing.T) {
			var out bytes.Buffer
			if code, stderr := exportRun(t, &out, "--db", path, "--table", tc.table, "--format", "jsonl"); code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			cols, rows := dbRows(t, path, tc.query)
			lines := strings.SplitAfter(out.String(), "\n")
			if last := lines[len(lines)-1]; last != "" {
				t.Fatalf("output does not end in a newline: %q", last)
			}
			lines = lines[:len(lines)-1]
			if len(lines) != len(rows) || len(rows) == 0 {
				t.Fatalf("%d lines, want %d (and more than 0)", len(lines), len(rows))
			}
			for i, line := range lines {
				dec := json.NewDecoder(strings.NewReader(line))
				dec.UseNumber()
				var keys []string
				got := make(map[string]any)
				if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
					t.Fatalf("line %d does not start an object: %v %v\n%s", i, tok, err, line)
				}
				for dec.More() {
					tok, err := dec.Token()
					if err != nil {
						t.Fatalf("line %d: %v\n%s", i, err, line)
					}
					k := tok.(string)
					var v any
					if err := dec.Decode(&v); err != nil {
						t.Fatalf("line %d, key %s: %v\n%s", i, k, err, line)
					}
					keys, got[k] = append(keys, k), v
				}
				if _, err := dec.Token(); err != nil {
					t.Fatalf("line %d: %v", i, err)
				}
				if dec.More() {
					t.Fatalf("line %d holds more than one value", i)
				}
				if !slices.Equal(keys, cols) {
					t.Errorf("line %d keys = %v, want %v", i, keys, cols)
				}
				for j, c := range cols {
					var want any
					switch v := rows[i][j].(type) {
					case int64:
						want = json.Number(strconv.FormatInt(v, 10))
					default:
						want = v
					}
					if got[c] != want {
						t.Errorf("line %d %s = %#v, want %#v", i, c, got[c], want)
					}
				}
			}
		})
	}
}

func TestExportSince(t *testing.T) {
	path, _, _ := exportDB(t)
	tests := []struct {
		table, since string
		want         int // rows
	}{
		{"pages", "2026-11-10", 1}, // other.example
		{"videos", "2026-11-10", 1},
		{"links", "2026-11-10", 1},
		{"transcripts", "2026-11-10", 1},
		{"segments", "2026-11-10", len(trickyTexts)},
		// The second crawl happened at 03:00Z: inclusive, in any zone.
		{"pages", "2026-11-20T04:00:00+01:00", 1},
		{"segments", "2026-11-20T03:00:00Z", len(trickyTexts)},
		{"segments", "2026-11-20T03:00:00.001Z", 0},
		{"pages", "2026-11-21", 0},
		{"pages", "2026-11-01", 3},
	}
	for _, tc := range tests {
		var out bytes.Buffer
		code, stderr := exportRun(t, &out, "--db", path, "--table", tc.table, "--since", tc.since)
		if code != exitOK {
			t.Fatalf("export %s --since %s: exit %d: %s", tc.table, tc.since, code, stderr)
		}
		records, err := csv.NewReader(&out).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if got := len(records) - 1; got != tc.want {
			t.Errorf("export %s --since %s: %d rows, want %d", tc.table, tc.since, got, tc.want)
		}
	}
}

// TestExportToFile: -o writes the file whole, mode 0644, replacing an
// older one, and leaves no temporary file behind.
func TestExportToFile(t *testing.T) {
	path, _, _ := exportDB(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "segments.jsonl")
	if err := os.WriteFile(target, []byte("an older export\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	if code, stderr := exportRun(t, &stdout, "--db", path, "--table", "segments", "--format", "jsonl", "-o", target); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stdout.Len() != 0 {
		t.Errorf("with -o, standard output got %q", stdout.String())
	}
	var want bytes.Buffer
	exportRun(t, &want, "--db", path, "--table", "segments", "--format", "jsonl", "-o", "-")
	got, err := os.ReadFile(target)
	if err != nil || !bytes.Equal(got, want.Bytes()) || want.Len() == 0 {
		t.Errorf("file = %q, %v\nwant what standard output gets: %q", got, err, want.String())
	}
	if fi, err := os.Stat(target); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("file mode = %v, %v; want 0644", fi.Mode(), err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"segments.jsonl"}) {
		t.Errorf("directory holds %v, want only segments.jsonl", names)
	}
}

// TestExportAbort: an export that fails after it began writing leaves the
// target as it was, and no temporary file.
func TestExportAbort(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "videos.csv")
	os.WriteFile(target, []byte("the last good export\n"), 0o644)
	o, err := openOutput(target, nil)
	if err != nil {
		t.Fatal(err)
	}
	o.w.WriteString(strings.Repeat("half a row,", outputBuffer)) // more than the buffer: on disk
	o.abort()
	if got, _ := os.ReadFile(target); string(got) != "the last good export\n" {
		t.Errorf("after abort the target holds %.40q...", got)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"videos.csv"}) {
		t.Errorf("directory holds %v, want only videos.csv", names)
	}

	// The rename, the last step, fails: the temporary file goes too.
	target = filepath.Join(dir, "pages.csv")
	if o, err = openOutput(target, nil); err != nil {
		t.Fatal(err)
	}
	o.w.WriteString("id,url\n")
	os.MkdirAll(filepath.Join(target, "in-the-way"), 0o755)
	var oe outputError
	if err := o.commit(); !errors.As(err, &oe) || !strings.Contains(err.Error(), "rename") || o.name() != target {
		t.Errorf("commit onto a directory = %v (output %s); want a rename error of %s", err, o.name(), target)
	}
	o.abort()
	if names := dirNames(t, dir); !slices.Equal(names, []string{"pages.csv", "videos.csv"}) {
		t.Errorf("directory holds %v, want only pages.csv (the directory) and videos.csv", names)
	}
}

// TestExportToSpecialFiles: a symbolic link stays a link, its file
// replaced; a device is written to, never replaced.
func TestExportToSpecialFiles(t *testing.T) {
	path, _, _ := exportDB(t)
	dir := t.TempDir()
	real := filepath.Join(dir, "real.csv")
	link := filepath.Join(dir, "link.csv")
	os.WriteFile(real, []byte("old\n"), 0o644)
	if err := os.Symlink("real.csv", link); err != nil {
		t.Skip("no symbolic links:", err)
	}
	if code, stderr := exportRun(t, io.Discard, "--db", path, "--table", "pages", "-o", link); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("-o through a link replaced the link: %v %v", fi.Mode(), err)
	}
	if got, _ := os.ReadFile(real); !strings.HasPrefix(string(got), "id,url,") {
		t.Errorf("the link's file holds %.40q, want the export", got)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"link.csv", "real.csv"}) {
		t.Errorf("directory holds %v", names)
	}

	before, err := os.Stat(os.DevNull)
	if err != nil || before.Mode()&os.ModeDevice == 0 {
		t.Skipf("%s is not a device here", os.DevNull)
	}
	if code, stderr := exportRun(t, io.Discard, "--db", path, "--table", "pages", "-o", os.DevNull); code != exitOK {
		t.Fatalf("-o %s: exit %d: %s", os.DevNull, code, stderr)
	}
	if after, err := os.Stat(os.DevNull); err != nil || after.Mode() != before.Mode() {
		t.Fatalf("-o %s replaced the device: %v, %v", os.DevNull, after.Mode(), err)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestExportUnwritable: a path that cannot be written is an error (exit 1:
// a fact about the filesystem, found by trying), and nothing is left
// behind.
func TestExportUnwritable(t *testing.T) {
	path, _, _ := exportDB(t)
	dir := t.TempDir()
	isDir := filepath.Join(dir, "a-directory")
	if err := os.Mkdir(isDir, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, out, msg string
	}{
		{"missing directory", filepath.Join(dir, "no", "such", "dir", "v.csv"), "no such file or directory"},
		{"target is a directory", isDir, "is a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr := exportRun(t, io.Discard, "--db", path, "--table", "videos", "-o", tc.out)
			if code != exitError || !strings.Contains(stderr, "export videos") || !strings.Contains(stderr, tc.out) ||
				!strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d, stderr %q; want exit 1 naming %s and %q", code, stderr, tc.out, tc.msg)
			}
			if strings.Contains(stderr, ".tmp") {
				t.Errorf("the message names the temporary file: %q", stderr)
			}
			if names := dirNames(t, dir); !slices.Equal(names, []string{"a-directory"}) {
				t.Errorf("directory holds %v, want only a-directory", names)
			}
		})
	}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "read-only")
		os.Mkdir(ro, 0o555)
		code, stderr := exportRun(t, io.Discard, "--db", path, "--table", "videos", "-o", filepath.Join(ro, "v.csv"))
		if code != exitError || !strings.Contains(stderr, "permission denied") {
			t.Errorf("read-only directory: exit %d, stderr %q; want exit 1, permission denied", code, stderr)
		}
	}
}

func TestExportUsage(t *testing.T) {
	path, _, _ := exportDB(t)
	missing := filepath.Join(t.TempDir(), "missing.db")
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--db", path}, exitUsage, "export needs --table: one of videos, links, pages, transcripts, segments"},
		{[]string{"--db", path, "--table", "vidoes"}, exitUsage, `unknown --table "vidoes": want one of videos, links, pages, transcripts, segments`},
		{[]string{"--db", path, "--table", "transcript_segments"}, exitUsage, "unknown --table"},
		{[]string{"--db", path, "--table", "videos", "--format", "xml"}, exitUsage, `unknown --format "xml": want csv, jsonl or sqlite`},
		{[]string{"--db", path, "--table", "videos", "--since", "yesterday"}, exitUsage, "--since"},
		{[]string{"--db", path, "--table", "videos", "-o", ""}, exitUsage, "-o needs a file name"},
		{[]string{"--db", path, "videos"}, exitUsage, "export takes no arguments"},
		{[]string{"--db", path, "--no-such-flag"}, exitUsage, "flag provided but not defined"},
		// Usage errors come first, whether or not the database exists...
		{[]string{"--db", missing, "--table", "nope"}, exitUsage, "unknown --table"},
		// ...and a missing database is the error every read-only command gives.
		{[]string{"--db", missing, "--table", "videos"}, exitError, "no such database"},
		{[]string{"--db", missing, "--table", "videos", "-o", filepath.Join(t.TempDir(), "v.csv")}, exitError, "no such database"},
		{[]string{"-h"}, exitOK, "--since DATE keeps the rows changed or seen"},
	}
	for _, tc := range tests {
		var stdout bytes.Buffer
		code, stderr := exportRun(t, &stdout, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("export %q: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.msg)
		}
		if code != exitOK && stdout.Len() > 0 {
			t.Errorf("export %q: failed but wrote %q", tc.args, stdout.String())
		}
	}
}

// brokenPipe fails every write after the first n bytes, as standard output
// does once the reader of a pipe has gone.
type brokenPipe struct {
	n      int
	writes int
}

func (b *brokenPipe) Write(p []byte) (int, error) {
	b.writes++
	if len(p) > b.n {
		n := b.n
		b.n = 0
		return n, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
	}
	b.n -= len(p)
	return len(p), nil
}

// bigDB returns a database whose segments export to more than the output
// buffer, so that the output is written while rows are still read.
func bigDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "big.db")
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tr := harvest.Transcript{VideoID: "aaaaaaaaaaa", Language: "en", Source: "timedtext:json3"}
	for i := range 2000 {
		tr.Segments = append(tr.Segments, harvest.Segment{StartMs: int64(i) * 1000, DurationMs: 1000, Text: "some words, and \"quotes\", to fill the output buffer"})
	}
	if err := d.AttemptVideos(ctx, []string{tr.VideoID}); err != nil {
		t.Fatal(err)
	}
	if err := d.SaveTranscripts(ctx, tr.VideoID, harvest.TranscriptOK, "", []harvest.Transcript{tr}); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestExportBrokenPipe: when standard output goes away the export stops at
// once with a clear error, not a panic and not after reading every row.
func TestExportBrokenPipe(t *testing.T) {
	path := bigDB(t)
	for _, format := range []string{"csv", "jsonl"} {
		w := &brokenPipe{n: 1000}
		code, stderr := exportRun(t, w, "--db", path, "--table", "segments", "--format", format)
		if code != exitError || !strings.Contains(stderr, "export segments to standard output: write: broken pipe") {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and a broken pipe", format, code, stderr)
		}
		if w.writes != 1 {
			t.Errorf("%s: %d writes, want 1: the export goes on after the pipe broke", format, w.writes)
		}
	}
}

// cancelOnWrite cancels the export's context when output is first written.
type cancelOnWrite struct{ cancel context.CancelFunc }

func (c cancelOnWrite) Write(p []byte) (int, error) {
	c.cancel()
	return len(p), nil
}

// TestExportInterrupted: SIGINT (a cancelled context) stops the export
// with the interrupted exit code.
func TestExportInterrupted(t *testing.T) {
	path := bigDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code, stderr := exportRunCtx(t, ctx, cancelOnWrite{cancel}, "--db", path, "--table", "segments")
	if code != exitInterrupted || !strings.Contains(stderr, "interrupted; the output is incomplete") {
		t.Errorf("exit %d, stderr %q; want %d, interrupted", code, stderr, exitInterrupted)
	}
}

// TestAppendJSONString holds appendJSONString to encoding/json's output,
// byte for byte.
func TestAppendJSONString(t *testing.T) {
	tests := slices.Concat(trickyTexts, []string{
		"", "plain", "\x00\x01\x1f\x7f", "\b\f\n\r\t", "<a href=\"x\">&amp;</a>",
		"invalid \xff\xfe UTF-8 \xe2\x82", "\u2028\u2029\u2027\u202a", "🎉 \U0010ffff",
	})
	for _, s := range tests {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); string(got) != strings.TrimSuffix(want.String(), "\n") {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want.String())
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range trickyTexts {
		f.Add(s)
	}
	f.Add("invalid \xff UTF-8")
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		if got := appendJSONString(nil, s); string(got) != strings.TrimSuffix(want.String(), "\n") {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want.String())
		}
	})
}
