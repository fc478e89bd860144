package db

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseQuery(t *testing.T) {
	for _, tc := range []struct{ in, tree, fts string }{
		{"guard", "guard", `"guard"`},
		{"guard honour", "(guard AND honour)", `("guard" AND "honour")`},
		{"guard AND honour", "(guard AND honour)", `("guard" AND "honour")`},
		{`"guard of honour"`, `"guard of honour"`, `"guard of honour"`},
		{`"say ""hello"""`, `"say ""hello"""`, `"say ""hello"""`},
		{"stor*", "stor*", `"stor"*`},
		{`"state vis"*`, `"state vis"*`, `"state vis"*`},
		{"covid-19", "covid-19", `"covid-19"`},
		{"a OR b c", "(a OR (b AND c))", `("a" OR ("b" AND "c"))`},
		{"(a OR b) c", "((a OR b) AND c)", `(("a" OR "b") AND "c")`},
		{"a (b OR c)", "(a AND (b OR c))", `("a" AND ("b" OR "c"))`},
		{"a NOT b", "(a AND -b)", `("a" NOT "b")`},
		{"a AND NOT b NOT c", "(a AND -b AND -c)", `("a" NOT "b" NOT "c")`},
		{"a b NOT c", "(a AND b AND -c)", `(("a" AND "b") NOT "c")`},
		{"a -b -c", "(a AND -b AND -c)", `("a" NOT "b" NOT "c")`},
		{"a -(b OR c)", "(a AND -(b OR c))", `("a" NOT ("b" OR "c"))`},
		{"(-a) b", "(-a AND b)", `("b" NOT "a")`},
		{"-(a -b) c", "(-(a AND -b) AND c)", `("c" NOT ("a" NOT "b"))`},
		{"a NOT b OR c", "((a AND -b) OR c)", `(("a" NOT "b") OR "c")`},
		{"NEAR(a b, 3)", "NEAR(a b, 3)", `NEAR("a" "b", 3)`},
		{"NEAR(a b c)", "NEAR(a b c, 10)", `NEAR("a" "b" "c", 10)`},
		{"NEAR(a)", "a", `"a"`},
		{"near or and", "(near AND or AND and)", `("near" AND "or" AND "and")`},
		// What FTS5 would read as its own syntax is a word.
		{"title:budget", "title:budget", `"title:budget"`},
		{"^start +plus", "(^start AND +plus)", `("^start" AND "+plus")`},
		// Words without a letter or digit have nothing to match: left out.
		{"budget + tax", "(budget AND tax)", `("budget" AND "tax")`},
		{`budget "--" 'x'`, "(budget AND 'x')", `("budget" AND "'x'")`},
		{"budget - tax", "(budget AND tax)", `("budget" AND "tax")`},
		{"budget -", "budget", `"budget"`},
	} {
		q, err := ParseQuery(tc.in)
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", tc.in, err)
			continue
		}
		if fts := ftsMatch(q); q.String() != tc.tree || fts != tc.fts {
			t.Errorf("ParseQuery(%q) = %s, FTS5 %s\nwant %s, FTS5 %s", tc.in, q, fts, tc.tree, tc.fts)
		}
	}
	for in, msg := range map[string]string{
		"":                               "no words",
		"   ":                            "no words",
		`"guard`:                         "closing quote",
		"guard (honour":                  "not closed",
		"guard )":                        `unexpected ")"`,
		"guard OR":                       "ends where a word",
		"NOT guard":                      "unexpected NOT",
		"*":                              "star",
		"^ + '":                          "no words",
		"(^)":                            `unexpected ")"`,
		"NEAR(a b, x)":                   "number",
		"NEAR(a b":                       "not closed",
		"NEAR()":                         "no words",
		"a , b":                          `unexpected ","`,
		"a\x00b":                         "NUL",
		strings.Repeat("(", 1<<20):       "nested more than 32 deep",
		strings.Repeat("-", 1<<20) + "a": "nested more than 32 deep",
		strings.Repeat("(a ", 32) + strings.Repeat(")", 32) + ")": `unexpected ")"`,
		"caf\xe9":                "UTF-8",
		strings.Repeat("w ", 65): "more than 64 words",
	} {
		if q, err := ParseQuery(in); !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseQuery(%q) = %v, %v; want ErrBadQuery saying %q", in, q, err, msg)
		}
	}
	// An exclusion excludes from what the words beside it match (FTS5's
	// NOT does nothing else): a query, or a part, that only excludes is
	// refused, on both stores.
	for _, in := range []string{"-a", "-a -b", "a OR -b", "a -(-b)", "(-a OR b) c"} {
		if q, err := ParseQuery(in); !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), "only excludes") {
			t.Errorf("ParseQuery(%q) = %v, %v; want ErrBadQuery saying it only excludes", in, q, err)
		}
	}
}

// FuzzSearchQuery: whatever a user types, ParseQuery and ftsMatch either
// refuse it with ErrBadQuery or write an expression FTS5 accepts.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{"guard", `"a ""b"" c"*`, "a OR (b NOT c*) -d", "NEAR(a b, 3)", "NEAR(", `"`, "((a)",
		"é*", "title:budget", `""`, "!!!", "a:", "NEAR(a* \"b c\")", "x -"} {
		f.Add(s)
	}
	d, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	defer d.Close()
	d.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := d.ExecContext(ctx, `CREATE VIRTUAL TABLE t USING fts5(title, text, tokenize = 'unicode61 remove_diacritics 2');
		INSERT INTO t VALUES ('guard of honour', 'the budget: covid-19 update');`); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		q, err := ParseQuery(in)
		if err != nil {
			if !errors.Is(err, ErrBadQuery) {
				t.Fatalf("%q: %v, not ErrBadQuery", in, err)
			}
			return
		}
		expr := ftsMatch(q)
		var n int
		qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if err := d.QueryRowContext(qctx, `SELECT count(*) FROM t WHERE t MATCH ?`, expr).Scan(&n); err != nil {
			t.Fatalf("%q: FTS5 refuses %s: %v", in, expr, err)
		}
	})
}
