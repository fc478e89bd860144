//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/db"
)

// BenchmarkExportSegments measures `ytharvest export --table segments`
// over 100k and 1M rows, as CSV and as JSONL: throughput (rows/s, and MB/s
// of output) in this process, writing to io.Discard, and the peak RSS of a
// child process that runs the same export to /dev/null. Peak RSS is the
// evidence of constant memory: it is the same for 100k rows as for 1M.
//
//	go test -run '^$' -bench ExportSegments -benchtime 3x ./cmd/ytharvest/
//
// The databases are built once per run of the benchmark (1M rows take a few
// seconds), in a temporary directory removed at the end. Linux only: the
// peak RSS comes from /proc.
func BenchmarkExportSegments(b *testing.B) {
	dir := b.TempDir()
	for _, size := range []struct {
		name string
		rows int
	}{{"100k", 100_000}, {"1M", 1_000_000}} {
		rows := size.rows
		path := filepath.Join(dir, fmt.Sprintf("segments-%d.db", rows))
		for _, format := range []string{"csv", "jsonl"} {
			rss := 0.0 // measured once, on the first call of the sub-benchmark
			b.Run("rows="+size.name+"/"+format, func(b *testing.B) {
				if _, err := os.Stat(path); err != nil {
					buildSegmentsDB(b, path, rows)
				}
				if rss == 0 {
					rss = childPeakRSS(b, path, format)
				}
				ctx := context.Background()
				out := &countWriter{}
				a := &app{stdout: out, stderr: io.Discard, getenv: func(string) string { return "" }}
				args := []string{"--db", path, "--table", "segments", "--format", format}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if err := a.export(ctx, args); err != nil {
						b.Fatal(err)
					}
				}
				b.SetBytes(out.n / int64(b.N))
				b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(rss, "peak-RSS-MB")
			})
		}
	}
}

// countWriter counts what is written to it and drops it.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// buildSegmentsDB creates a database holding rows transcript segments,
// 1000 per transcript, whose text CSV must quote. Raw SQL with recursive
// CTEs, in one transaction: a million rows through the store's methods
// would take minutes.
func buildSegmentsDB(b *testing.B, path string, rows int) {
	b.Helper()
	start := time.Now()
	ctx := context.Background()
	d, err := db.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	const perTranscript = 1000
	transcripts := (rows + perTranscript - 1) / perTranscript
	tx, err := d.SQL().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		// The full-text index plays no part in an export, and keeping it
		// up to date would make the build several times slower.
		`DROP TRIGGER IF EXISTS transcript_segments_ai`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
		 INSERT INTO videos (id, status, title, first_seen_at)
		 SELECT printf('v%010d', i), 'ok', printf('Video %d', i), '2026-11-01T03:00:00.000Z' FROM n`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
		 INSERT INTO transcripts (id, video_id, language, source, fetched_at, text)
		 SELECT i, printf('v%010d', i), 'en', 'timedtext:json3', '2026-11-01T03:00:00.000Z', '' FROM n`,
		`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?2 - 1)
		 INSERT INTO transcript_segments (transcript_id, video_id, language, start_ms, duration_ms, text)
		 SELECT 1 + i / 1000, printf('v%010d', 1 + i / 1000), 'en', (i % 1000) * 2500, 2500,
		        printf('segment %d of the transcript, with "quotes", commas and ünïcödé', i)
		 FROM n`,
	} {
		if _, err := tx.ExecContext(ctx, q, transcripts, rows); err != nil {
			b.Fatalf("build %s: %v", path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	var n int
	d.SQL().QueryRow(`SELECT count(*) FROM transcript_segments`).Scan(&n)
	if n != rows {
		b.Fatalf("built %d segments, want %d", n, rows)
	}
	b.Logf("built %s: %d segments in %v", filepath.Base(path), n, time.Since(start).Round(time.Millisecond))
}

// childEnv names the database and format TestExportChild exports.
const childEnv = "YTHARVEST_EXPORT_BENCH_CHILD"

// childPeakRSS runs the export in a child process (this test binary, in
// TestExportChild) and returns its peak resident set size in MB: the true
// peak of the whole process, which the Go runtime's statistics do not give.
//
// The child reports its own VmHWM. The rusage of the child (ru_maxrss)
// would not do: os/exec starts it with vfork, and Linux carries the high
// water mark of the parent's memory, which it shares until exec, into the
// child's ru_maxrss; that is this benchmark process, database build and all.
func childPeakRSS(b *testing.B, path, format string) float64 {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestExportChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+format+":"+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child export: %v\n%s", err, out)
	}
	_, after, ok := strings.Cut(string(out), hwmPrefix)
	kib, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(after, "\n", 2)[0]))
	if !ok || err != nil {
		b.Fatalf("child export printed no %q:\n%s", hwmPrefix, out)
	}
	return float64(kib) * 1024 / 1e6
}

// hwmPrefix starts the line on which TestExportChild prints its VmHWM.
const hwmPrefix = "export peak RSS KiB: "

// vmHWM returns the process's peak resident set size in KiB.
func vmHWM() (int, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/self/status")
}

// TestExportChild is BenchmarkExportSegments's child process; under a plain
// `go test` it skips.
func TestExportChild(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("the child process of BenchmarkExportSegments")
	}
	format, path, _ := strings.Cut(spec, ":") // FORMAT:PATH
	a := &app{stdout: os.Stdout, stderr: os.Stderr, getenv: func(string) string { return "" }}
	if err := a.export(context.Background(), []string{"--db", path, "--table", "segments", "--format", format, "-o", os.DevNull}); err != nil {
		t.Fatal(err)
	}
	kib, err := vmHWM()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("%s%d\n", hwmPrefix, kib)
}
