package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// newConfigTestFlags returns a flag set with a flag of every kind crawl
// has (int, float, duration, bool, string, size, repeatable regexp), with
// the shared flags registered by the code the commands use.
func newConfigTestFlags(getenv func(string) string) *flag.FlagSet {
	fs := flag.NewFlagSet("crawl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	(&app{getenv: getenv}).dbFlag(fs)
	new(youtubeFlags).register(fs, getenv)
	new(logFlags).register(fs)
	fs.String("seeds-file", "", "")
	fs.Int("depth", 1, "")
	fs.Int("max-pages", 0, "")
	fs.Bool("same-host", false, "")
	fs.Bool("same-domain", false, "")
	fs.Bool("any-host", false, "")
	fs.Duration("delay", time.Second, "")
	fs.String("since", "", "")
	maxBody := bytesFlag(10 << 20)
	fs.Var(&maxBody, "max-body", "")
	fs.Var(new(regexpList), "allow", "")
	configFlag(fs)
	return fs
}

// configRun is the outcome of one command line with a config file.
type configRun struct {
	fs   *flag.FlagSet
	pos  []string
	err  error
	path string // the config file
}

// runConfig writes file (when not empty) as the config file, parses args
// as the commands do, and applies the file for command. env is the
// environment.
func runConfig(t *testing.T, command, file string, env map[string]string, args ...string) configRun {
	t.Helper()
	r := configRun{path: filepath.Join(t.TempDir(), "ytharvest.toml")}
	if file != "" {
		if err := os.WriteFile(r.path, []byte(file), 0o666); err != nil {
			t.Fatal(err)
		}
		args = append([]string{"--config", r.path}, args...)
	} else {
		args = append([]string{"--config="}, args...) // not the working directory's
	}
	getenv := func(k string) string { return env[k] }
	r.fs = newConfigTestFlags(getenv)
	pos, err := parseArgs(r.fs, args)
	if err != nil {
		t.Fatalf("parseArgs(%q): %v", args, err)
	}
	a := &app{getenv: getenv}
	r.pos, r.err = a.applyConfig(r.fs, command, pos)
	return r
}

// get returns a flag's value as a string.
func (r configRun) get(name string) string { return r.fs.Lookup(name).Value.String() }

func TestConfigPrecedence(t *testing.T) {
	env := map[string]string{"YTHARVEST_DB": "/env/h.db", "YTHARVEST_YOUTUBE_URL": "http://env.test/"}
	tests := []struct {
		name string
		file string
		env  map[string]string
		args []string
		want map[string]string // flag name: value
	}{
		{name: "defaults", want: map[string]string{
			"depth": "1", "delay": "1s", "youtube-rate": "1", "db": "ytharvest.db", "allow": ""}},
		{name: "top level",
			file: "youtube-rate = 0.5\nlang = 'de'\n",
			want: map[string]string{"youtube-rate": "0.5", "lang": "de"}},
		{name: "table beats top level",
			file: "youtube-rate = 0.5\nlang = 'de'\n[crawl]\nyoutube-rate = 3\ndepth = 2\n",
			want: map[string]string{"youtube-rate": "3", "lang": "de", "depth": "2"}},
		{name: "another command's table does not apply",
			file: "[refresh]\nyoutube-rate = 9\n[video]\nwhatever = 1\n",
			want: map[string]string{"youtube-rate": "1"}},
		{name: "file beats default",
			file: "db = '/file/h.db'\nyoutube-url = 'http://file.test/'\n",
			want: map[string]string{"db": "/file/h.db", "youtube-url": "http://file.test/"}},
		{name: "environment beats file",
			file: "db = '/file/h.db'\nyoutube-url = 'http://file.test/'\n[crawl]\ndb = '/table/h.db'\n",
			env:  env,
			want: map[string]string{"db": "/env/h.db", "youtube-url": "http://env.test/"}},
		{name: "command line beats environment and file",
			file: "db = '/file/h.db'\n[crawl]\ndepth = 2\n",
			env:  env,
			args: []string{"--db", "/cli/h.db", "--depth", "3"},
			want: map[string]string{"db": "/cli/h.db", "depth": "3"}},
		{name: "command line false beats file true",
			file: "[crawl]\nsame-domain = true\n",
			args: []string{"--same-domain=false"},
			want: map[string]string{"same-domain": "false"}},
		{name: "repeatable flag from the file",
			file: "[crawl]\nallow = ['^https://a\\.example/', '/news/']\n",
			want: map[string]string{"allow": `^https://a\.example/ /news/`}},
		{name: "repeatable flag as one string",
			file: "[crawl]\nallow = '/news/'\n",
			want: map[string]string{"allow": "/news/"}},
		{name: "repeatable flag on the command line replaces the file's list",
			file: "[crawl]\nallow = ['/a/', '/b/']\n",
			args: []string{"--allow", "/c/"},
			want: map[string]string{"allow": "/c/"}},
		{name: "one choice: the command line's host scope replaces the file's",
			file: "[crawl]\nsame-domain = true\n",
			args: []string{"--any-host"},
			want: map[string]string{"same-domain": "false", "any-host": "true", "same-host": "false"}},
		{name: "one choice: the table's -q replaces the top level's -v",
			file: "v = true\n[crawl]\nq = true\n",
			want: map[string]string{"q": "true", "v": "false"}},
		{name: "one choice: -v on the command line replaces the file's q",
			file: "q = true\n",
			args: []string{"-v"},
			want: map[string]string{"q": "false", "v": "true"}},
		{name: "underscores for dashes",
			file: "youtube_rate = 2\n[crawl]\nmax_pages = 5\nmax_body = '1MiB'\n",
			want: map[string]string{"youtube-rate": "2", "max-pages": "5", "max-body": "1MiB"}},
		{name: "size as a number of bytes",
			file: "[crawl]\nmax-body = 2048\n",
			want: map[string]string{"max-body": "2KiB"}},
		{name: "unquoted date for a text flag",
			file: "[crawl]\nsince = 2026-11-01\n",
			want: map[string]string{"since": "2026-11-01"}},
		{name: "dotted key",
			file: "crawl.depth = 4\n",
			want: map[string]string{"depth": "4"}},
		{name: "inline table",
			file: "crawl = {depth = 5, delay = '0s'}\n",
			want: map[string]string{"depth": "5", "delay": "0s"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runConfig(t, "crawl", tc.file, tc.env, tc.args...)
			if r.err != nil {
				t.Fatalf("applyConfig: %v", r.err)
			}
			for name, want := range tc.want {
				if got := r.get(name); got != want {
					t.Errorf("--%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestConfigRelativePaths(t *testing.T) {
	r := runConfig(t, "crawl", "db = 'news.db'\n[crawl]\nseeds-file = 'lists/seeds.txt'\n", nil)
	if r.err != nil {
		t.Fatal(r.err)
	}
	dir := filepath.Dir(r.path)
	if got, want := r.get("db"), filepath.Join(dir, "news.db"); got != want {
		t.Errorf("db = %q, want %q (beside the config file)", got, want)
	}
	if got, want := r.get("seeds-file"), filepath.Join(dir, "lists", "seeds.txt"); got != want {
		t.Errorf("seeds-file = %q, want %q", got, want)
	}
	for _, p := range []string{"-", "/abs/seeds.txt"} {
		r := runConfig(t, "crawl", "[crawl]\nseeds-file = '"+p+"'\n", nil)
		if got := r.get("seeds-file"); r.err != nil || got != p {
			t.Errorf("seeds-file = %q: got %q, %v; want it unchanged", p, got, r.err)
		}
	}
	// Paths on the command line stay relative to the working directory.
	r = runConfig(t, "crawl", "db = 'news.db'\n", nil, "--db", "mine.db")
	if got := r.get("db"); got != "mine.db" {
		t.Errorf("--db mine.db: db = %q", got)
	}
}

func TestConfigSeeds(t *testing.T) {
	const file = "[crawl]\nseeds = ['https://a.example/', 'https://b.example/']\nseeds-file = '/srv/seeds.txt'\n"
	tests := []struct {
		name          string
		command, file string
		args          []string
		wantPos       []string
		wantSeedsFile string
	}{
		{name: "the file's seeds and seeds-file when the command line names none",
			command: "crawl", file: file,
			wantPos: []string{"https://a.example/", "https://b.example/"}, wantSeedsFile: "/srv/seeds.txt"},
		{name: "seeds on the command line replace the file's",
			command: "crawl", file: file, args: []string{"https://c.example/", "--depth", "0"},
			wantPos: []string{"https://c.example/"}},
		{name: "- on the command line replaces the file's seeds",
			command: "crawl", file: file, args: []string{"-"},
			wantPos: []string{"-"}},
		{name: "--seeds-file on the command line replaces the file's seeds",
			command: "crawl", file: file, args: []string{"--seeds-file", "mine.txt"},
			wantSeedsFile: "mine.txt"},
		{name: "one seed as a string",
			command: "crawl", file: "[crawl]\nseeds = 'https://a.example/'\n",
			wantPos: []string{"https://a.example/"}},
		{name: "other commands keep their arguments",
			command: "video", file: file, args: []string{"dQw4w9WgXcQ"},
			wantPos: []string{"dQw4w9WgXcQ"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runConfig(t, tc.command, tc.file, nil, tc.args...)
			if r.err != nil {
				t.Fatalf("applyConfig: %v", r.err)
			}
			if !slices.Equal(r.pos, tc.wantPos) {
				t.Errorf("seeds = %q, want %q", r.pos, tc.wantPos)
			}
			if got := r.get("seeds-file"); got != tc.wantSeedsFile {
				t.Errorf("--seeds-file = %q, want %q", got, tc.wantSeedsFile)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		command string // default crawl
		file    string
		args    []string
		want    string // FILE stands for the config file's path
	}{
		{name: "unknown key, with a suggestion",
			file: "[crawl]\ndepth = 2\nmax-page = 3\n",
			want: `FILE:3: unknown key "max-page" in [crawl]; did you mean "max-pages"?`},
		{name: "unknown key, nothing near",
			file: "[crawl]\nfrobnicate = 1\n",
			want: `FILE:2: unknown key "frobnicate" in [crawl]`},
		{name: "seeds are crawl's only",
			command: "video", file: "[video]\nseeds = ['https://a.example/']\n",
			want: `FILE:2: unknown key "seeds" in [video]`},
		{name: "unknown table",
			file: "db = 'x.db'\n\n[crawls]\ndepth = 1\n",
			want: `FILE:3: unknown table [crawls]; did you mean [crawl]?`},
		{name: "table in a command's table",
			file: "[crawl.youtube]\nrate = 1\n",
			want: `FILE:1: unknown table [crawl.youtube]: the settings of crawl go in [crawl] itself`},
		{name: "array of tables",
			file: "[[crawl]]\ndepth = 1\n",
			want: `FILE:1: "crawl" must be a table: [crawl]`},
		{name: "command name as a plain key",
			file: "crawl = 1\n",
			want: `FILE:1: "crawl" must be a table: [crawl]`},
		{name: "a command's setting at the top level",
			file: "depth = 2\n",
			want: `FILE:1: "depth" must go in [crawl]: the top level holds only the settings commands share (db, log-format, q, v and the YouTube ones)`},
		{name: "seeds at the top level",
			command: "stats", file: "seeds = []\n",
			want: `FILE:1: "seeds" must go in [crawl]: the top level holds only the settings commands share (db, log-format, q, v and the YouTube ones)`},
		{name: "unknown top-level key near a shared one",
			file: "youtube-rat = 1\n",
			want: `FILE:1: unknown key "youtube-rat" at the top level; did you mean "youtube-rate"?`},
		{name: "unknown top-level key near a command's",
			file: "dept = 1\n",
			want: `FILE:1: unknown key "dept" at the top level; did you mean "depth" (in [crawl])?`},
		{name: "config in the config file",
			file: "[crawl]\nconfig = 'other.toml'\n",
			want: `FILE:2: "config" cannot be set in a config file`},
		{name: "string for an integer",
			file: "[crawl]\ndepth = \"two\"\n",
			want: `FILE:2: [crawl] depth: want an integer, got string "two"`},
		{name: "float for an integer",
			file: "[crawl]\ndepth = 2.5\n",
			want: `FILE:2: [crawl] depth: want an integer, got float 2.5`},
		{name: "array for an integer",
			file: "[crawl]\ndepth = [1]\n",
			want: `FILE:2: [crawl] depth: want an integer, got an array`},
		{name: "string for a boolean",
			file: "[crawl]\nany-host = \"yes\"\n",
			want: `FILE:2: [crawl] any-host: want true or false, got string "yes"`},
		{name: "number for a duration",
			file: "[crawl]\ndelay = 2\n",
			want: `FILE:2: [crawl] delay: want a duration string such as "30s", "5m" or "168h", got integer 2`},
		{name: "bad duration",
			file: "[crawl]\ndelay = '2 seconds'\n",
			want: `FILE:2: [crawl] delay: want a duration string such as "30s", "5m" or "168h", got string "2 seconds"`},
		{name: "string for a number at the top level",
			file: "youtube-rate = 'fast'\n",
			want: `FILE:1: youtube-rate: want a number, got string "fast"`},
		{name: "top-level value checked for a command without the flag",
			command: "stats", file: "youtube-rate = 'fast'\n",
			want: `FILE:1: youtube-rate: want a number, got string "fast"`},
		{name: "numbers for regexps",
			file: "[crawl]\nallow = [1]\n",
			want: `FILE:2: [crawl] allow: want an array of strings, got an array`},
		{name: "bad regexp",
			file: "[crawl]\nallow = ['(']\n",
			want: "FILE:2: [crawl] allow: error parsing regexp: missing closing ): `(`"},
		{name: "bad size",
			file: "[crawl]\nmax-body = 'lots'\n",
			want: `FILE:2: [crawl] max-body: invalid size "lots" (want e.g. 10MiB)`},
		{name: "bad value that the command line overrides",
			file: "[crawl]\nmax-body = 'lots'\n", args: []string{"--max-body", "1MiB"},
			want: `FILE:2: [crawl] max-body: invalid size "lots" (want e.g. 10MiB)`},
		{name: "seeds not strings",
			file: "[crawl]\nseeds = 3\n",
			want: `FILE:2: [crawl] seeds: want an array of URL strings, got integer 3`},
		{name: "one key twice",
			file: "[crawl]\nmax_pages = 1\nmax-pages = 2\n",
			want: `FILE:3: [crawl] max_pages and max-pages are the same setting`},
		{name: "one key twice at the top level",
			file: "youtube_rate = 1\nyoutube-rate = 2\n",
			want: `FILE:2: youtube_rate and youtube-rate are the same setting`},
		{name: "dotted key",
			file: "crawl.depth = 'x'\n",
			want: `FILE:1: [crawl] depth: want an integer, got string "x"`},
		{name: "inline table",
			file: "# settings\n\ncrawl = {depth = 2, delay = 3}\n",
			want: `FILE:3: [crawl] delay: want a duration string such as "30s", "5m" or "168h", got integer 3`},
		{name: "every error, in file order",
			file: "db = 3\n[crawl]\ndepth = 'x'\nmax-page = 1\n",
			want: "FILE:1: db: want a string, got integer 3\n" +
				"FILE:3: [crawl] depth: want an integer, got string \"x\"\n" +
				"FILE:4: unknown key \"max-page\" in [crawl]; did you mean \"max-pages\"?"},
		{name: "syntax",
			file: "[crawl]\ndepth = \n",
			want: "FILE:2:9: unexpected character U+000A at start of value"},
		{name: "duplicate key",
			file: "[crawl]\ndepth = 1\ndepth = 2\n",
			want: "FILE:3:1: key depth is already defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			command := tc.command
			if command == "" {
				command = "crawl"
			}
			r := runConfig(t, command, tc.file, nil, tc.args...)
			if r.err == nil {
				t.Fatalf("applyConfig succeeded, want error %q", tc.want)
			}
			var ce *codeError
			if !errors.As(r.err, &ce) || ce.code != exitUsage {
				t.Errorf("error %v: want exit code %d", r.err, exitUsage)
			}
			if got := strings.ReplaceAll(r.err.Error(), r.path, "FILE"); got != tc.want {
				t.Errorf("error:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestConfigFile(t *testing.T) {
	run := func(args ...string) configRun {
		t.Helper()
		r := configRun{fs: newConfigTestFlags(func(string) string { return "" })}
		r.pos, r.err = (&app{getenv: func(string) string { return "" }}).parseFlags(r.fs, args)
		return r
	}
	t.Chdir(t.TempDir())

	// No ./ytharvest.toml: the defaults.
	if r := run("https://a.example/"); r.err != nil || r.get("depth") != "1" {
		t.Errorf("without ytharvest.toml: depth %s, %v; want 1, no error", r.get("depth"), r.err)
	}
	// A missing --config file is an error.
	r := run("--config", "missing.toml", "https://a.example/")
	var ce *codeError
	if !errors.As(r.err, &ce) || ce.code != exitUsage || !errors.Is(ce.err, os.ErrNotExist) ||
		!strings.HasPrefix(r.err.Error(), "config file: open missing.toml: ") {
		t.Errorf("--config missing.toml: %v; want a usage error naming the file", r.err)
	}

	// ./ytharvest.toml is read when present...
	if err := os.WriteFile("ytharvest.toml", []byte("db = 'here.db'\n[crawl]\ndepth = 4\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	if r := run("https://a.example/"); r.err != nil || r.get("depth") != "4" || r.get("db") != "here.db" {
		t.Errorf("with ytharvest.toml: depth %s, db %s, %v; want 4, here.db", r.get("depth"), r.get("db"), r.err)
	}
	// ...unless --config= says none...
	if r := run("--config=", "https://a.example/"); r.err != nil || r.get("depth") != "1" {
		t.Errorf("--config=: depth %s, %v; want 1", r.get("depth"), r.err)
	}
	// ...or --config names another, also after the seeds.
	if err := os.WriteFile("other.toml", []byte("[crawl]\ndepth = 7\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--config", "other.toml", "https://a.example/"},
		{"https://a.example/", "--config=other.toml"},
		{"https://a.example/", "-config", "other.toml"},
		{"https://a.example/", "-config=other.toml", "https://b.example/"},
	} {
		if r := run(args...); r.err != nil || r.get("depth") != "7" || r.pos[0] != "https://a.example/" {
			t.Errorf("%q: depth %s, seeds %q, %v; want 7 from other.toml", args, r.get("depth"), r.pos, r.err)
		}
	}
}

func TestNearest(t *testing.T) {
	names := []string{"depth", "delay", "max-pages", "max-pages-per-host", "db"}
	for key, want := range map[string]string{
		"dept":              "depth",
		"Depth":             "depth",
		"max-page":          "max-pages",
		"max-pages-perhost": "max-pages-per-host",
		"max-host-pages":    "",
		"colour":            "",
		"d":                 "db",
	} {
		if got := nearest(key, names); got != want {
			t.Errorf("nearest(%q) = %q, want %q", key, got, want)
		}
	}
}

// exampleName names the example in messages; the uncommented copy the
// tests read has the same line numbers.
const exampleName = "docs/ytharvest.example.toml"

// exampleConfig is the annotated example, with every "# key = value" line
// uncommented so that the settings shown at their defaults are checked too.
func exampleConfig(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(exampleName)))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "example.toml")
	if err := os.WriteFile(path, data, 0o666); err != nil {
		t.Fatal(err)
	}
	if _, err := loadConfig(path); err != nil {
		t.Fatalf("the example as it is: %v", err)
	}
	return regexp.MustCompile(`(?m)^# ?([a-z][a-z0-9_-]* *=)`).ReplaceAll(data, []byte("$1"))
}

// commandFlags returns the names of a command's flags, as its -h lists
// them.
func commandFlags(t *testing.T, command string) []string {
	t.Helper()
	var out bytes.Buffer
	a := &app{stdout: &out, stderr: &out, getenv: func(string) string { return "" }}
	if code := a.main(context.Background(), []string{command, "-h"}); code != exitOK {
		t.Fatalf("ytharvest %s -h: exit %d\n%s", command, code, &out)
	}
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^  -(\S+)`).FindAllStringSubmatch(out.String(), -1) {
		names = append(names, m[1])
	}
	return names
}

// TestExampleConfig keeps docs/ytharvest.example.toml true: every key in
// it is a shared setting or a flag of its command.
func TestExampleConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "example.toml")
	if err := os.WriteFile(path, exampleConfig(t), 0o666); err != nil {
		t.Fatal(err)
	}
	c, err := loadConfig(path)
	if err != nil {
		t.Fatalf("the example, uncommented: %v", err)
	}
	c.path = exampleName // its lines are the example's
	shared := flagNames(sharedFlags())
	tables := 0
	for _, key := range c.keys() {
		tab, ok := c.tree[key].(map[string]any)
		if key == "youtube" {
			continue // [youtube.client.NAME]: checked by apply below
		}
		if !ok {
			if !slices.Contains(shared, flagName(key)) {
				t.Errorf("%s: top-level key %q is not a shared setting", c.where(key), key)
			}
			continue
		}
		tables++
		flags := commandFlags(t, key)
		if key == "crawl" {
			flags = append(flags, "seeds")
		}
		for k := range tab {
			if !slices.Contains(flags, flagName(k)) {
				t.Errorf("%s: %q is not a flag of %s", c.where(key, k), k, key)
			}
		}
	}
	if tables < 3 {
		t.Errorf("the example has %d command tables, want crawl, video, refresh at least", tables)
	}
	// The top level holds real values of the shared flags' types (the
	// tables' values are checked by TestExampleConfigRuns).
	if _, err := c.apply(flag.NewFlagSet("stats", flag.ContinueOnError), "stats", nil, func(string) string { return "" }); err != nil {
		t.Errorf("the example's top level: %v", err)
	}
}

// TestExampleConfigRuns applies the example to the real commands: with
// --log-format bogus, a command stops at its log setup, just after it has
// applied its config file, so exit 2 with the log-format message means
// the file was accepted.
func TestExampleConfigRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "example.toml")
	if err := os.WriteFile(path, exampleConfig(t), 0o666); err != nil {
		t.Fatal(err)
	}
	for _, command := range []string{"crawl", "video", "refresh"} {
		var out bytes.Buffer
		a := &app{stdout: &out, stderr: &out, getenv: func(string) string { return "" }}
		code := a.main(context.Background(), []string{command, "--config", path, "--log-format", "bogus"})
		if code != exitUsage || !strings.Contains(out.String(), "--log-format must be text or json") {
			t.Errorf("ytharvest %s --config %s --log-format bogus: exit %d\n%s\nwant exit 2 from --log-format",
				command, exampleName, code, strings.ReplaceAll(out.String(), path, exampleName))
		}
	}
}

// TestConfigCommandsMatchUsage: a command in the usage text has a config
// table, or the file could not configure it.
func TestConfigCommandsMatchUsage(t *testing.T) {
	for _, m := range regexp.MustCompile(`(?m)^  ytharvest (\w+)`).FindAllStringSubmatch(usage, -1) {
		if name := m[1]; name != "version" && name != "help" && !slices.Contains(strings.Fields(configCommands), name) {
			t.Errorf("command %q is missing from configCommands", name)
		}
	}
}

// TestCrawlWithConfig crawls the fake site with everything in a config
// file: seeds, scope, politeness and YouTube settings, and a database path
// relative to the file.
func TestCrawlWithConfig(t *testing.T) {
	e := newEnv(t, nil)
	dir := t.TempDir()
	path := filepath.Join(dir, "news.toml")
	file := `db = "data/h.db"
youtube-url = "` + e.ytURL + `"
youtube_rate = 0
[crawl]
seeds = ["http://news.example/"]
depth = 1
deny = ['/articles/(budget|festival)$']
delay = "0s"
host-concurrency = 4
`
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(file), 0o666); err != nil {
		t.Fatal(err)
	}
	e.dbPath = filepath.Join(dir, "data", "h.db")
	code := e.app.main(context.Background(), []string{"crawl", "--config", path})
	t.Logf("stderr:\n%s", e.stderr)
	if code != exitOK {
		t.Fatalf("crawl --config news.toml: exit %d, want 0", code)
	}
	got := e.query(`SELECT url FROM pages WHERE url LIKE '%/articles/b%' OR url LIKE '%/articles/f%' ORDER BY url`)
	if want := []string{"http://news.example/articles/flood-barrier"}; !slices.Equal(got, want) {
		t.Errorf("pages = %q, want %q (deny from the file)", got, want)
	}
	if e.count("videos") == 0 {
		t.Error("no videos: the YouTube settings did not reach the fake")
	}
}
