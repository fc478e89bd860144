package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/harvestdev/ytharvest/db"
)

const exportSummary = `Usage: ytharvest export --table TABLE [--format csv|jsonl] [--since DATE] [-o FILE] [flags]

Writes the rows of one table as CSV or JSON Lines. Rows stream from the
database to the output, so memory stays constant however big the table. It
opens the database read-only, so it works while a crawl is writing; the rows
are one consistent snapshot.

Tables (every column, in table order; docs/schema.md says what each means;
columns a later version adds come last). Rows are in id order:
  videos       the videos (id is the video ID)
  links        the references pages make, plus a last column page_url: the
               url of the page (pages.url of page_id)
  pages        the frontier and every page fetched
  transcripts  one row per video, language and kind, with the whole text
  segments     the transcript_segments table: the timed pieces of transcripts
  caption_tracks  the caption tracks each video offers (in rowid order)
  runs         one row per crawl, video and refresh run, with its counts

Formats:
  sqlite the whole harvest of a PostgreSQL database (--db postgres://…) as a
         new SQLite file (-o FILE, which must not exist; no --table, no
         --since): ytharvest's own schema, so every read command, sqlite3 and
         Datasette read it. Written beside FILE and renamed into place.
  csv    RFC 4180 quoting and a header row; lines end in LF, not CRLF, and
         line breaks inside a value are kept as they are, inside quotes. NULL
         is an empty field, so NULL and '' look alike. Integers in decimal.
  jsonl  one JSON object per line, keys in column order. Integers are JSON
         numbers, NULL is null, text is a string (invalid UTF-8 becomes U+FFFD).
  Booleans are 0 and 1 in both, as in the schema; times are RFC 3339 UTC text.

--since DATE keeps the rows changed or seen at or after DATE: 2026-11-01 is
midnight UTC; an RFC 3339 time (2026-11-01T12:00:00+01:00) is exact to the
millisecond. A row is kept when
  videos       first_seen_at, fetched_at, attempted_at or transcript_checked_at
  links        last_seen_at (every crawl that sees the link moves it)
  pages        first_seen_at or fetched_at
  transcripts  fetched_at
  segments     their transcript's fetched_at
  caption_tracks  seen_at (the video fetch that listed the track)
  runs         started_at or finished_at
is at or after DATE. For incremental exports, pass the time the previous
export started, less a few minutes (a row is stamped when its page or video
is fetched and committed moments later), and upsert by id. Segments of a
transcript fetched again get new ids: replace all segments of each
transcript_id exported.

-o FILE writes a temporary file beside FILE and renames it to FILE (mode 0644)
once every row is written, so FILE is either the whole export or untouched.
A symbolic link is followed; a device or FIFO is written to directly.
Without -o, or with -o -, rows go to standard output.

Exit status: 0 done; 1 the database or the output failed (no such database,
FILE not writable, standard output closed); 2 usage; 130 interrupted.`

const exportExamples = `  ytharvest export --table videos -o videos.csv
  ytharvest export --table segments --format jsonl --since 2026-11-01 | gzip > segments.jsonl.gz
  ytharvest export --table links --format jsonl | jq 'select(.in_body == 1) | .page_url'
`

func (a *app) export(ctx context.Context, args []string) error {
	fs := a.newFlagSet("export", exportSummary, exportExamples)
	dbPath := a.dbFlag(fs)
	tables := strings.Join(db.ExportTables(), ", ")
	table := fs.String("table", "", "the `TABLE` to export: "+tables+" (required)")
	format := fs.String("format", "csv", "output `FORMAT`: csv, jsonl, or sqlite (the whole harvest as a new SQLite file, -o FILE; from PostgreSQL)")
	sinceFlag := fs.String("since", "", "only rows changed or seen since `DATE` (2026-11-01 or RFC 3339; see above)")
	out := fs.String("o", "-", "write to `FILE`, whole or not at all; - is standard output")
	pos, err := a.parseFlags(fs, args)
	if err != nil {
		return err
	}
	// Every check on the arguments comes before the database is opened,
	// so that a typo is a usage error whether or not the file exists.
	switch {
	case len(pos) > 0:
		return usageError("export takes no arguments (got %q); name the table with --table", pos[0])
	case *table == "" && *format != "sqlite":
		return usageError("export needs --table: one of %s", tables)
	case *table != "" && !slices.Contains(db.ExportTables(), *table):
		return usageError("unknown --table %q: want one of %s", *table, tables)
	case *format == "sqlite":
		return a.exportSQLite(ctx, *dbPath, *table, *sinceFlag, *out)
	case *format != "csv" && *format != "jsonl":
		return usageError("unknown --format %q: want csv, jsonl or sqlite", *format)
	case *out == "":
		return usageError("-o needs a file name (or - for standard output)")
	}
	var since time.Time
	if *sinceFlag != "" {
		if since, err = parseDate(*sinceFlag); err != nil {
			return usageError("--since: %v", err)
		}
	}
	d, err := openReader(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer d.Close()

	o, err := openOutput(*out, a.stdout)
	if err != nil {
		// Exit 1, not 2: whether a path can be written is a fact about
		// the filesystem (permissions, a missing directory, a full disk),
		// found only by trying, like the database's own errors.
		return fmt.Errorf("export %s: %w", *table, err)
	}
	rw := newRowWriter(*format, o.w)
	err = d.Export(ctx, *table, since, rw.write)
	if err == nil {
		err = rw.flush()
	}
	if err == nil {
		err = o.commit()
	}
	if err != nil {
		o.abort()
		if ctx.Err() != nil {
			what := "the output is incomplete"
			if o.tmp {
				what = o.path + " was left as it was"
			}
			return &codeError{code: exitInterrupted, err: fmt.Errorf("export %s: interrupted; %s", *table, what)}
		}
		var oe outputError
		if errors.As(err, &oe) {
			return fmt.Errorf("export %s to %s: %w", *table, o.name(), err)
		}
		return err
	}
	return nil
}

// outputError is an error of the output (a broken pipe, a full disk), as
// opposed to one of the database.
type outputError struct{ err error }

func (e outputError) Error() string { return e.err.Error() }
func (e outputError) Unwrap() error { return e.err }

// output is where an export goes: standard output, or a temporary file
// beside the target that commit renames into place. Rename is atomic on
// one filesystem, so a reader of the target sees the old file or the whole
// new one, and a failed or interrupted export leaves the target as it was.
type output struct {
	w    *bufio.Writer
	f    *os.File // nil for standard output, and once committed or aborted
	tmp  bool     // f is a temporary file, to be renamed to target
	path string   // -o as given, for messages; "" for standard output
	// target is the file to replace: path with its symbolic links
	// resolved, so that a link stays a link and its file is replaced.
	target string
}

// outputBuffer is the write buffer: large enough that a write system call
// carries many rows.
const outputBuffer = 64 << 10

func openOutput(path string, stdout io.Writer) (*output, error) {
	if path == "-" {
		return &output{w: bufio.NewWriterSize(errWriter{stdout}, outputBuffer)}, nil
	}
	o := &output{path: path, target: path}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		o.target = real
	}
	if fi, err := os.Stat(o.target); err == nil && !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return nil, fmt.Errorf("create %s: is a directory", path)
		}
		// A device or a named pipe (/dev/null, a FIFO a reader waits on):
		// there is no file to replace, and renaming over it would replace
		// the device node itself. Write to it.
		f, err := os.OpenFile(o.target, os.O_WRONLY, 0)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, unwrapPath(err))
		}
		o.f, o.w = f, bufio.NewWriterSize(errWriter{f}, outputBuffer)
		return o, nil
	}
	// A name of our own rather than a fixed FILE.tmp: two exports to the
	// same file then never write into one temporary file, and the last
	// rename wins with a whole file.
	f, err := os.CreateTemp(filepath.Dir(o.target), filepath.Base(o.target)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, unwrapPath(err))
	}
	// CreateTemp makes the file 0600; an export is meant to be read.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("create %s: %w", path, unwrapPath(err))
	}
	o.f, o.tmp, o.w = f, true, bufio.NewWriterSize(errWriter{f}, outputBuffer)
	return o, nil
}

// unwrapPath drops the paths an *os.PathError or *os.LinkError carries,
// which name the temporary file, so that messages name the file the user
// asked for (or standard output, not /dev/stdout).
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

func (o *output) name() string {
	if o.path == "" {
		return "standard output"
	}
	return o.path
}

// commit flushes the output and, for a file, makes it durable and renames
// it to the target.
func (o *output) commit() error {
	if err := o.w.Flush(); err != nil {
		return err
	}
	if o.f == nil {
		return nil
	}
	f := o.f
	o.f = nil // from here on, abort has nothing to undo
	if !o.tmp {
		if err := f.Close(); err != nil {
			return outputError{fmt.Errorf("close: %w", unwrapPath(err))}
		}
		return nil
	}
	// Sync before the rename: otherwise a crash soon after can leave the
	// new name on an empty file on some filesystems.
	err := f.Sync()
	if err == nil {
		err = f.Close()
	} else {
		f.Close()
	}
	if err != nil {
		os.Remove(f.Name())
		return outputError{fmt.Errorf("write: %w", unwrapPath(err))}
	}
	if err := os.Rename(f.Name(), o.target); err != nil {
		os.Remove(f.Name())
		return outputError{fmt.Errorf("rename: %w", unwrapPath(err))}
	}
	return nil
}

// abort closes the output and removes the temporary file, if any.
func (o *output) abort() {
	if o.f == nil {
		return
	}
	o.f.Close()
	if o.tmp {
		os.Remove(o.f.Name())
	}
	o.f = nil
}

// errWriter makes the errors of w outputErrors, so that a broken pipe or
// a full disk reads as a problem of the output, not of the database.
type errWriter struct{ w io.Writer }

func (e errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil {
		err = outputError{fmt.Errorf("write: %w", unwrapPath(err))}
	}
	return n, err
}

// rowWriter formats the rows db.Export streams.
type rowWriter interface {
	// write takes the header (row == nil) and then each row, as db.Export
	// passes them.
	write(cols []string, row []any) error
	// flush writes what is buffered.
	flush() error
}

func newRowWriter(format string, w *bufio.Writer) rowWriter {
	if format == "jsonl" {
		return &jsonlWriter{w: w}
	}
	// csv.NewWriter's own bufio.Writer is w itself: bufio.NewWriter returns
	// a *bufio.Writer that is already big enough.
	return &csvWriter{w: csv.NewWriter(w)}
}

// csvWriter writes RFC 4180 CSV with a header. It keeps encoding/csv's \n
// line ends: its UseCRLF (RFC 4180's CRLF) would also drop every \r inside
// a value, and every CSV reader accepts \n.
type csvWriter struct {
	w      *csv.Writer
	record []string
}

func (c *csvWriter) write(cols []string, row []any) error {
	if row == nil {
		c.record = make([]string, len(cols))
		return c.w.Write(cols)
	}
	for i, v := range row {
		c.record[i] = csvField(v)
	}
	return c.w.Write(c.record)
}

func (c *csvWriter) flush() error {
	c.w.Flush()
	return c.w.Error()
}

func csvField(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// jsonlWriter writes one JSON object per row, its keys in column order
// (encoding a map would sort them). It appends each object to one reused
// buffer, so a row costs no allocation of its own.
type jsonlWriter struct {
	w    *bufio.Writer
	cols []string
	keys [][]byte // `{"col":` for the first column, `,"col":` for the others
	buf  []byte
}

func (j *jsonlWriter) write(cols []string, row []any) error {
	if row == nil {
		j.cols = slices.Clone(cols)
		j.keys = make([][]byte, len(cols))
		for i, c := range cols {
			sep := byte(',')
			if i == 0 {
				sep = '{'
			}
			j.keys[i] = append(appendJSONString([]byte{sep}, c), ':')
		}
		return nil
	}
	b := j.buf[:0]
	for i, v := range row {
		b = append(b, j.keys[i]...)
		var err error
		if b, err = appendJSONValue(b, v); err != nil {
			return fmt.Errorf("column %s: %w", j.cols[i], err)
		}
	}
	b = append(b, '}', '\n')
	j.buf = b
	_, err := j.w.Write(b)
	return err
}

func (j *jsonlWriter) flush() error { return nil } // the output's commit flushes

func appendJSONValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case string:
		return appendJSONString(b, v), nil
	}
	// No exported column holds anything else (a REAL would come here).
	enc, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, enc...), nil
}

// appendJSONString appends s as a JSON string, byte for byte as
// encoding/json writes it with SetEscapeHTML(false): invalid UTF-8 becomes
// U+FFFD, and U+2028 and U+2029 are escaped so that a line is valid
// JavaScript too.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
