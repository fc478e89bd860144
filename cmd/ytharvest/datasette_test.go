package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/harvestdev/ytharvest/internal/dbcheck"
)

// The keys Datasette reads from a metadata file (-m; Datasette 0.x,
// "Metadata" and "Canned queries" in its documentation). Decoding with
// KnownFields refuses any other, so a misspelt key fails the test rather
// than being ignored by Datasette.
type (
	dsAbout struct {
		Title           string `yaml:"title"`
		Description     string `yaml:"description"`
		DescriptionHTML string `yaml:"description_html"`
		License         string `yaml:"license"`
		LicenseURL      string `yaml:"license_url"`
		Source          string `yaml:"source"`
		SourceURL       string `yaml:"source_url"`
		About           string `yaml:"about"`
		AboutURL        string `yaml:"about_url"`
	}
	dsMetadata struct {
		dsAbout   `yaml:",inline"`
		Databases map[string]dsDatabase `yaml:"databases"`
	}
	dsDatabase struct {
		dsAbout `yaml:",inline"`
		Tables  map[string]dsTable `yaml:"tables"`
		Queries map[string]dsQuery `yaml:"queries"`
	}
	dsTable struct {
		dsAbout         `yaml:",inline"`
		Columns         map[string]string `yaml:"columns"`
		Units           map[string]string `yaml:"units"`
		Sort            string            `yaml:"sort"`
		SortDesc        string            `yaml:"sort_desc"`
		Size            int               `yaml:"size"`
		SortableColumns []string          `yaml:"sortable_columns"`
		Hidden          bool              `yaml:"hidden"`
		LabelColumn     string            `yaml:"label_column"`
		Facets          []string          `yaml:"facets"`
		FTSTable        string            `yaml:"fts_table"`
		FTSPK           string            `yaml:"fts_pk"`
		Searchmode      string            `yaml:"searchmode"`
	}
	dsQuery struct {
		dsAbout  `yaml:",inline"`
		SQL      string   `yaml:"sql"`
		Params   []string `yaml:"params"`
		HideSQL  bool     `yaml:"hide_sql"`
		Fragment string   `yaml:"fragment"`
	}
)

// yaml11NonString matches the plain (unquoted) scalars that YAML 1.1 reads
// as something other than a string: booleans such as yes and off, null,
// integers in any base and sexagesimal (1:30), floats, dates. Datasette
// reads metadata with PyYAML, which follows YAML 1.1; yaml.v3 follows 1.2
// and reads most of these as strings, so such a scalar is where the two
// would disagree about the file.
var yaml11NonString = regexp.MustCompile(`^(?:` +
	`y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|~|null|Null|NULL|` +
	`[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])*)|` +
	`[-+]?(?:[0-9][0-9_]*(?::[0-5]?[0-9])*)?\.[0-9_]*(?:[eE][-+][0-9]+)?|` +
	`[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|` +
	`[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?` +
	`)$`)

// checkYAML11 fails for every plain scalar that YAML 1.1 would not read as
// a string, but for the values of the keys Datasette reads as booleans or
// numbers.
func checkYAML11(t *testing.T, n *yaml.Node) {
	t.Helper()
	typed := map[string]bool{"hidden": true, "hide_sql": true, "size": true}
	var walk func(n *yaml.Node, key string)
	walk = func(n *yaml.Node, key string) {
		switch n.Kind {
		case yaml.ScalarNode:
			if n.Style == 0 && yaml11NonString.MatchString(n.Value) && !typed[key] {
				t.Errorf("docs/datasette-metadata.yml:%d: %q is not a string in YAML 1.1 (PyYAML, which Datasette uses): quote it", n.Line, n.Value)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i], "")
				walk(n.Content[i+1], n.Content[i].Value)
			}
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, "")
			}
		}
	}
	walk(n, "")
}

// demoParams are the values docs/schema.md's cookbook writes as literals,
// which the canned queries take as parameters.
func demoParams() map[string]string {
	return map[string]string{
		"channel_id": "UCexampleNewsChannel0001",
		"phrase":     `"guard of honour"`,
		"words":      "budget OR flood",
		"video_id":   "H7xQm2Lp9sA",
	}
}

// sqlParam matches, in SQL, a string literal, quoted name or comment (group
// 0 only) or a named parameter (group 1): parameters are found outside the
// others, as Datasette finds them, so '…T00:00' holds none.
var sqlParam = regexp.MustCompile(`--[^\n]*|/\*(?s:.*?)\*/|'(?:''|[^'])*'|"(?:""|[^"])*"|\[[^\]]*\]|:(\w+)`)

// substituteParams returns sql with each named parameter replaced by
// lit(name), and the names in order.
func substituteParams(sql string, lit func(name string) string) (string, []string) {
	var names []string
	out := sqlParam.ReplaceAllStringFunc(sql, func(m string) string {
		if !strings.HasPrefix(m, ":") {
			return m
		}
		names = append(names, m[1:])
		return lit(m[1:])
	})
	return out, names
}

func normalizeSQL(q string) string {
	return strings.TrimSuffix(strings.Join(strings.Fields(q), " "), ";")
}

// TestDatasetteMetadata checks docs/datasette-metadata.yml without
// Datasette: it is YAML that PyYAML and yaml.v3 read alike, with only the
// keys Datasette reads; it describes every table and view of a harvested
// database and names only columns that exist; and its canned queries are
// the queries of docs/schema.md's cookbook, each of which runs and returns
// rows on the demo site's harvest.
func TestDatasetteMetadata(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "datasette-metadata.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var node yaml.Node
	if err := yaml.Unmarshal(raw, &node); err != nil {
		t.Fatalf("docs/datasette-metadata.yml: %v", err)
	}
	checkYAML11(t, &node)
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var md dsMetadata
	if err := dec.Decode(&md); err != nil {
		t.Fatalf("docs/datasette-metadata.yml has a key Datasette does not read, or a value of the wrong type: %v", err)
	}
	if md.Title == "" || md.Description == "" {
		t.Error("no title or description")
	}
	if names := slices.Sorted(maps.Keys(md.Databases)); !slices.Equal(names, []string{"demo", "ytharvest"}) {
		t.Fatalf("databases %v, want demo (make demo) and ytharvest (the default --db)", names)
	}
	if !reflect.DeepEqual(md.Databases["demo"], md.Databases["ytharvest"]) {
		t.Error("databases demo and ytharvest differ; the file gives one block for both")
	}
	mdb := md.Databases["ytharvest"]

	e := newEnv(t, nil)
	if code := e.crawl(); code != exitOK {
		t.Fatalf("crawl exit %d", code)
	}
	d := dbcheck.Open(t, e.dbPath)
	defer d.Close()

	// Tables and views: all described, and every name given exists.
	objects := map[string][]string{} // table or view -> its columns
	var fts []string
	rows, err := d.Query(`SELECT l.name, l.type, c.name FROM pragma_table_list l LEFT JOIN pragma_table_info(l.name) c
		WHERE l.schema = 'main' AND l.type IN ('table', 'view', 'virtual') AND l.name NOT LIKE 'sqlite%'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, typ string
		var col sql.NullString
		if err := rows.Scan(&name, &typ, &col); err != nil {
			t.Fatal(err)
		}
		if typ == "virtual" {
			if !slices.Contains(fts, name) {
				fts = append(fts, name)
			}
			continue
		}
		objects[name] = append(objects[name], col.String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	for name := range objects {
		if mdb.Tables[name].Description == "" {
			t.Errorf("%s has no description", name)
		}
	}
	for name, tb := range mdb.Tables {
		cols, ok := objects[name]
		if !ok {
			t.Errorf("tables: %s is not a table or view of the database", name)
			continue
		}
		named := append(slices.Collect(maps.Keys(tb.Columns)), tb.Facets...)
		named = append(named, tb.SortableColumns...)
		for _, c := range []string{tb.Sort, tb.SortDesc, tb.LabelColumn, tb.FTSPK} {
			if c != "" {
				named = append(named, c)
			}
		}
		for _, c := range named {
			if !slices.Contains(cols, c) && !(c == "rowid" && tb.FTSPK == c) {
				t.Errorf("tables: %s has no column %s", name, c)
			}
		}
		if tb.FTSTable != "" {
			// The query Datasette runs for ?_search= on a table or view.
			q := fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s IN (SELECT rowid FROM %s WHERE %s MATCH ?)`,
				name, tb.FTSPK, tb.FTSTable, tb.FTSTable)
			var n int
			if !slices.Contains(fts, tb.FTSTable) {
				t.Errorf("tables: %s: fts_table %s is not a full-text index", name, tb.FTSTable)
			} else if err := d.QueryRow(q, `"guard of honour"`).Scan(&n); err != nil || n == 0 {
				t.Errorf("tables: %s: searching it as Datasette does finds %d rows, %v\n%s", name, n, err, q)
			}
		}
	}

	// Canned queries: each runs, with the demo's values for its
	// parameters, and finds rows.
	params := demoParams()
	canned := map[string]string{} // the query as the cookbook writes it -> its name
	for name, q := range mdb.Queries {
		if q.Title == "" || q.SQL == "" {
			t.Errorf("queries: %s needs a title and sql", name)
			continue
		}
		if s := strings.ToUpper(strings.TrimSpace(q.SQL)); !strings.HasPrefix(s, "SELECT") && !strings.HasPrefix(s, "WITH") {
			t.Errorf("queries: %s is not a SELECT", name)
		}
		literal, names := substituteParams(q.SQL, func(p string) string {
			return "'" + strings.ReplaceAll(params[p], "'", "''") + "'"
		})
		var args []any
		for _, p := range names {
			if _, ok := params[p]; !ok {
				t.Errorf("queries: %s: parameter :%s has no demo value (add it to demoParams)", name, p)
			}
			args = append(args, sql.Named(p, params[p]))
		}
		canned[normalizeSQL(literal)] = name
		rows, err := d.Query(q.SQL, args...)
		if err != nil {
			t.Errorf("queries: %s fails: %v\n%s", name, err, q.SQL)
			continue
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		if n == 0 {
			t.Errorf("queries: %s returns no rows on the demo site\n%s", name, q.SQL)
		}
	}

	// The canned queries are the cookbook's, one for one.
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "schema.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, cookbook, ok := strings.Cut(string(doc), "\n## Cookbook\n")
	if !ok {
		t.Fatal("docs/schema.md has no Cookbook")
	}
	cookbook, _, _ = strings.Cut(cookbook, "\n## ")
	for _, b := range strings.Split(cookbook, "```sql\n")[1:] {
		q, _, _ := strings.Cut(b, "```")
		if _, ok := canned[normalizeSQL(q)]; !ok {
			t.Errorf("the cookbook query\n%s\nis not a canned query of docs/datasette-metadata.yml (its literals %v may be parameters)", q, slices.Sorted(maps.Keys(params)))
		}
		delete(canned, normalizeSQL(q))
	}
	for q, name := range canned {
		t.Errorf("canned query %s is not in docs/schema.md's cookbook:\n%s", name, q)
	}
}
