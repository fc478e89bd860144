package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/harvestdev/ytharvest/db/postgres"
)

// The config file holds what a cron job would otherwise put on a long
// command line. docs/ytharvest.example.toml is its user documentation; the
// rules it states are implemented here:
//
//   - The top level holds the settings commands share (the flags that
//     dbFlag, youtubeFlags.register and logFlags.register define); a table
//     per command ([crawl], [video], ...) holds any flag of that command,
//     and [crawl] also takes seeds. Keys are flag names; "_" may stand for
//     "-".
//   - Precedence, strongest first: command line, environment variable
//     (YTHARVEST_DB, YTHARVEST_YOUTUBE_URL), the command's table, the top
//     level, the built-in default.
//   - The command line is parsed first and the file fills in only the flags
//     it left alone, so a flag given on the command line replaces the file's
//     value outright, also for repeatable flags (--deny X replaces the
//     file's deny list rather than adding to it).
//   - [youtube.client.NAME] tables override a client identity's version
//     or user agent (youtubeTable); they are --youtube-client-override
//     values.
//   - Every key of the top level and of the command's own table is checked,
//     whatever the command line overrides, so a broken file fails the run
//     that has it, not only the run that happens not to override it.

// defaultConfigFile is read when --config is not given, if it exists.
const defaultConfigFile = "ytharvest.toml"

// configCommands are the commands a config file may have a table for; any
// other table is a typo. TestConfigCommandsMatchUsage keeps it in step with
// the usage text.
const configCommands = "crawl video refresh stats sql search export backup extract doctor serve report worker import"

// configFlag registers --config on fs. newFlagSet calls it, so that every
// command takes --config FILE wherever flags go.
func configFlag(fs *flag.FlagSet) {
	fs.String("config", "", "read settings from this TOML `FILE` (default ./"+defaultConfigFile+
		" when present; --config= for none); see docs/ytharvest.example.toml")
}

// parseFlags is parseArgs followed by applyConfig for the command fs is
// named after: the commands call it instead of parseArgs.
func (a *app) parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, err
	}
	return a.applyConfig(fs, fs.Name(), pos)
}

// applyConfig reads the config file (--config FILE, else ./ytharvest.toml
// when present) and sets, with fs.Set, every flag of fs that neither the
// command line nor an environment variable set. It runs after the command
// line is parsed, which is how the command line wins, and before the
// flags are used. pos are the positional arguments parseArgs returned;
// applyConfig returns those to use: for crawl, the file's seeds when the
// command line named no seeds (no URL, no -, no --seeds-file), else pos
// unchanged. Its errors carry exit code 2.
func (a *app) applyConfig(fs *flag.FlagSet, command string, pos []string) ([]string, error) {
	path, explicit := configPath(fs)
	if path == "" {
		return pos, nil
	}
	c, err := loadConfig(path)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			return pos, nil
		}
		return nil, &codeError{code: exitUsage, err: err}
	}
	pos, err = c.apply(fs, command, pos, a.getenv)
	if err != nil {
		return nil, &codeError{code: exitUsage, err: err}
	}
	return pos, nil
}

// configPath returns the config file to read after fs has been parsed: the
// one --config names (explicit), else the default one, which need not
// exist. An empty --config (--config=) means none.
func configPath(fs *flag.FlagSet) (path string, explicit bool) {
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "config" {
			path, explicit = f.Value.String(), true
		}
	})
	if explicit {
		return path, true
	}
	return defaultConfigFile, false
}

// config is a parsed config file.
type config struct {
	path  string         // as given, for messages and relative paths
	tree  map[string]any // as go-toml decodes it
	lines map[string]int // line of each key, by keyPath
}

// loadConfig reads and parses the config file at path. Errors from reading
// it wrap the os error; syntax errors name the file, line and column.
func loadConfig(path string) (*config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	c := &config{path: path}
	if err := toml.Unmarshal(data, &c.tree); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, col := de.Position()
			return nil, fmt.Errorf("%s:%d:%d: %s", path, line, col, strings.TrimPrefix(de.Error(), "toml: "))
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c.lines = keyLines(data)
	return c, nil
}

// keyLines maps every key and table header of a valid TOML document to its
// line. go-toml's decoder does not report where a key was, and errors about
// keys read better with a line number an editor can jump to.
func keyLines(data []byte) map[string]int {
	lines := make(map[string]int)
	var p unstable.Parser
	p.Reset(data)
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		var path []string
		line := 0
		for it := e.Key(); it.Next(); {
			k := it.Node()
			if line == 0 {
				line = p.Shape(k.Raw).Start.Line
			}
			path = append(path, string(k.Data))
		}
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = path
		case unstable.KeyValue:
			path = append(slices.Clip(table), path...)
		}
		// A dotted key (crawl.depth = 2) defines its prefixes too.
		for i := range path {
			if _, ok := lines[keyPath(path[:i+1]...)]; !ok {
				lines[keyPath(path[:i+1]...)] = line
			}
		}
	}
	return lines
}

func keyPath(parts ...string) string { return strings.Join(parts, "\x00") }

// where names a key's place in the file for messages: "ytharvest.toml:12".
// Keys inside inline tables have no line of their own; they get the line of
// the nearest enclosing key.
func (c *config) where(parts ...string) string {
	for i := len(parts); i > 0; i-- {
		if line, ok := c.lines[keyPath(parts[:i]...)]; ok {
			return c.path + ":" + strconv.Itoa(line)
		}
	}
	return c.path
}

// setting is one key of the file, checked and ready for fs.Set.
type setting struct {
	name   string   // the flag's name
	label  string   // the key as written, with its table: "[crawl] max_pages"
	at     string   // c.where of the key
	values []string // for fs.Set; several for a repeatable flag
}

// apply checks the top level and command's table against fs and sets the
// flags the command line and environment left alone; see applyConfig.
// getenv reads the environment, whose variables beat the file.
func (c *config) apply(fs *flag.FlagSet, command string, pos []string, getenv func(string) string) ([]string, error) {
	table, top, err := c.settings(fs, command)
	if err != nil {
		return nil, err
	}
	// Apply, strongest first. A source that sets one flag of a group (the
	// seed sources, the host scopes, -q and -v) takes the whole group from
	// the weaker sources, so --any-host on the command line is not undone
	// by same-domain = true in the file.
	taken := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { takeGroup(taken, f.Name) })
	if command == "crawl" && len(pos) > 0 {
		takeGroup(taken, "seeds")
	}
	for _, name := range []string{"db", "youtube-url", "youtube-api-key", "youtube-api-url"} {
		if env := configEnv(name); getenv(env) != "" {
			taken[name] = true
		}
	}
	var seeds []string
	for _, layer := range [][]setting{table, top} {
		var took []string
		for _, s := range layer {
			if taken[s.name] {
				continue
			}
			took = append(took, s.name)
			if s.name == "seeds" {
				seeds = append(seeds, s.values...)
				continue
			}
			for _, v := range s.values {
				if err := fs.Set(s.name, v); err != nil {
					return nil, fmt.Errorf("%s: %s: %w", s.at, s.label, err)
				}
			}
		}
		for _, name := range took {
			takeGroup(taken, name)
		}
	}
	if command == "crawl" && len(pos) == 0 {
		return seeds, nil
	}
	return pos, nil
}

// settings checks every key of the top level and of command's table, and
// returns the settings of each that command has flags for.
func (c *config) settings(fs *flag.FlagSet, command string) (table, top []setting, err error) {
	shared := sharedFlags()
	commands := strings.Fields(configCommands)
	var errs []error
	seenTop := make(map[string]string)
	for _, key := range c.keys() {
		val := c.tree[key]
		switch {
		case key == "youtube":
			st, err := c.youtubeTable(val)
			if err != nil {
				errs = append(errs, err)
			} else if fs.Lookup(st.name) != nil {
				top = append(top, st)
			}
		case slices.Contains(commands, key) || isTable(val):
			t, err := c.commandTable(fs, command, key, val)
			if key == command {
				table = t
			}
			errs = append(errs, err)
		default:
			s, err := c.topSetting(fs, shared, command, key, seenTop)
			switch {
			case err != nil:
				errs = append(errs, err)
			case fs.Lookup(s.name) != nil: // commands without the flag ignore it
				top = append(top, s)
			}
		}
	}
	return table, top, errors.Join(errs...)
}

// commandTable checks a table of the top level: a command's (read when it
// is command's) or a typo.
func (c *config) commandTable(fs *flag.FlagSet, command, key string, val any) ([]setting, error) {
	at := c.where(key)
	commands := strings.Fields(configCommands)
	tab, isMap := val.(map[string]any)
	switch {
	case !slices.Contains(commands, key):
		msg := fmt.Sprintf("%s: unknown table [%s]", at, key)
		if n := nearest(key, commands); n != "" {
			msg += "; did you mean [" + n + "]?"
		}
		return nil, errors.New(msg)
	case !isMap:
		return nil, fmt.Errorf("%s: %q must be a table: [%s]", at, key, key)
	case key == command:
		return c.tableSettings(fs, command, tab)
	}
	return nil, nil
}

// topSetting checks a key of the top level: a setting commands share.
// seenTop holds the keys met so far, by flag name.
func (c *config) topSetting(fs, shared *flag.FlagSet, command, key string, seenTop map[string]string) (setting, error) {
	at, name := c.where(key), flagName(key)
	f := shared.Lookup(name)
	switch {
	case name == "config":
		return setting{}, fmt.Errorf("%s: %q cannot be set in a config file", at, key)
	case name == "seeds" || f == nil && fs.Lookup(name) != nil:
		home := command
		if name == "seeds" {
			home = "crawl"
		}
		return setting{}, fmt.Errorf("%s: %q must go in [%s]: the top level holds only the settings commands share (db, log-format, q, v and the YouTube ones)", at, key, home)
	case f == nil:
		return setting{}, fmt.Errorf("%s: unknown key %q at the top level%s", at, key, suggestTop(name, shared, fs, command))
	case seenTop[name] != "":
		return setting{}, fmt.Errorf("%s: %s and %s are the same setting", at, seenTop[name], key)
	}
	seenTop[name] = key
	return c.check(f.Value, setting{name: name, label: key, at: at}, c.tree[key])
}

// tableSettings checks the keys of command's table against its flags.
func (c *config) tableSettings(fs *flag.FlagSet, command string, tab map[string]any) ([]setting, error) {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	var out []setting
	seen := make(map[string]string)
	for _, key := range c.keys(command) {
		val := tab[key]
		at := c.where(command, key)
		name := flagName(key)
		prefix := "[" + command + "] "
		var f *flag.Flag
		switch {
		case isTable(val):
			fail("%s: unknown table [%s.%s]: the settings of %s go in [%s] itself", at, command, key, command, command)
			continue
		case name == "config":
			fail("%s: %q cannot be set in a config file", at, key)
			continue
		case name == "seeds" && command == "crawl":
		default:
			if f = fs.Lookup(name); f == nil {
				names := flagNames(fs)
				if command == "crawl" {
					names = append(names, "seeds")
				}
				msg := fmt.Sprintf("%s: unknown key %q in [%s]", at, key, command)
				if n := nearest(name, names); n != "" {
					msg += fmt.Sprintf("; did you mean %q?", n)
				}
				fail("%s", msg)
				continue
			}
		}
		if seen[name] != "" {
			fail("%s: %s%s and %s are the same setting", at, prefix, seen[name], key)
			continue
		}
		seen[name] = key
		var s setting
		var err error
		if f == nil { // seeds
			s, err = checkSeeds(setting{name: "seeds", label: prefix + key, at: at}, val)
		} else {
			s, err = c.check(f.Value, setting{name: name, label: prefix + key, at: at}, val)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, s)
	}
	return out, errors.Join(errs...)
}

// keys returns the keys of the table at path (the top level when path is
// empty) in file order, so errors come out in the order a reader meets them.
func (c *config) keys(path ...string) []string {
	tab := c.tree
	for _, p := range path {
		tab = tab[p].(map[string]any)
	}
	keys := make([]string, 0, len(tab))
	for k := range tab {
		keys = append(keys, k)
	}
	line := func(k string) int { return c.lines[keyPath(append(slices.Clip(path), k)...)] }
	slices.SortFunc(keys, func(a, b string) int {
		if d := line(a) - line(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return keys
}

// resolve makes a relative path in the file relative to the file's
// directory: cron starts jobs in $HOME, and `--config /etc/ytharvest.toml`
// with db = "news.db" means the news.db beside it.
func (c *config) resolve(p string) string {
	if p == "" || p == "-" || filepath.IsAbs(p) || postgres.IsDSN(p) {
		return p
	}
	return filepath.Join(filepath.Dir(c.path), p)
}

// sharedFlags returns a flag set of the settings the top level may hold,
// registered by the same code the commands use, so the two cannot drift.
func sharedFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("shared", flag.ContinueOnError)
	noEnv := func(string) string { return "" }
	(&app{getenv: noEnv}).dbFlag(fs)
	yt := new(youtubeFlags)
	yt.register(fs, noEnv)
	yt.registerPlaylists(fs)
	new(logFlags).register(fs)
	return fs
}

// flagGroup returns the flags that are one choice with name: whichever
// source sets one of them decides them all.
func flagGroup(name string) []string {
	switch name {
	case "seeds", "seeds-file":
		return []string{"seeds", "seeds-file"}
	case "same-host", "same-domain", "any-host":
		return []string{"same-host", "same-domain", "any-host"}
	case "q", "v":
		return []string{"q", "v"}
	}
	return []string{name}
}

func takeGroup(taken map[string]bool, name string) {
	for _, n := range flagGroup(name) {
		taken[n] = true
	}
}

// configEnv returns the environment variable that beats the file for a
// flag, or "". It follows dbFlag and youtubeFlags.register, which read
// these variables as their defaults.
func configEnv(name string) string {
	switch name {
	case "db":
		return "YTHARVEST_DB"
	case "youtube-url":
		return "YTHARVEST_YOUTUBE_URL"
	case "youtube-api-key":
		return "YOUTUBE_API_KEY"
	case "youtube-api-url":
		return "YTHARVEST_YOUTUBE_API_URL"
	}
	return ""
}

// isPathKey reports whether a flag names a file, which the config file
// gives relative to itself.
func isPathKey(name string) bool {
	switch name {
	case "db", "seeds-file", "youtube-proxies-file", "youtube-cookies":
		return true
	}
	return false
}

// flagName turns a key into the flag it sets: max_pages is max-pages.
func flagName(key string) string { return strings.ReplaceAll(key, "_", "-") }
