package postgres

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/db"
)

func TestTSQuery(t *testing.T) {
	const (
		w1 = "phraseto_tsquery('simple', $5)"
		w2 = "phraseto_tsquery('simple', $6)"
		w3 = "phraseto_tsquery('simple', $7)"
		p1 = "to_tsquery('simple', $5)"
	)
	for _, tc := range []struct {
		in   string
		want string
		args []any
	}{
		{"guard", w1, []any{"guard"}},
		{"guard honour", "(" + w1 + " && " + w2 + ")", []any{"guard", "honour"}},
		{"guard AND honour", "(" + w1 + " && " + w2 + ")", []any{"guard", "honour"}},
		{`"guard of honour"`, w1, []any{"guard of honour"}},
		{`"say ""hello"""`, w1, []any{`say "hello"`}},
		{"stor*", p1, []any{"'stor':*"}},
		{"Stor*", p1, []any{"'stor':*"}},
		{"covid-19*", w1, []any{"covid-19"}}, // several tokens: matched whole
		{`"state vis"*`, w1, []any{"state vis"}},
		{"a OR b c", "(" + w1 + " || (" + w2 + " && " + w3 + "))", []any{"a", "b", "c"}},
		{"(a OR b) c", "((" + w1 + " || " + w2 + ") && " + w3 + ")", []any{"a", "b", "c"}},
		{"a NOT b", "(" + w1 + " && !!" + w2 + ")", []any{"a", "b"}},
		{"a NOT b OR c", "((" + w1 + " && !!" + w2 + ") || " + w3 + ")", []any{"a", "b", "c"}},
		{"a -b", "(" + w1 + " && !!" + w2 + ")", []any{"a", "b"}},
		{"NEAR(a b, 1)", "(tsquery_phrase(" + w1 + ", " + w2 + ", 1) || tsquery_phrase(" + w2 + ", " + w1 + ", 1) || " +
			"tsquery_phrase(" + w1 + ", " + w2 + ", 2) || tsquery_phrase(" + w2 + ", " + w1 + ", 2))", []any{"a", "b"}},
		{"NEAR(a)", w1, []any{"a"}},
		{"near or and", "(" + w1 + " && " + w2 + " && " + w3 + ")", []any{"near", "or", "and"}}, // operators are upper case
		{"café", w1, []any{"café"}},
		{"'; DROP TABLE videos;", "(" + w1 + " && " + w2 + ")", []any{"';", "DROP"}}, // cut below
	} {
		got, args, err := tsQuery(tc.in, 5)
		if strings.HasPrefix(tc.in, "';") {
			// Every word is a parameter, never SQL.
			if err != nil || strings.Contains(got, "DROP") || len(args) != 3 { // "';" has no word
				t.Errorf("tsQuery(%q) = %q, %q, %v", tc.in, got, args, err)
			}
			continue
		}
		if err != nil || got != tc.want || !reflect.DeepEqual(args, tc.args) {
			t.Errorf("tsQuery(%q) = %q, %q, %v\nwant %q, %q", tc.in, got, args, err, tc.want, tc.args)
		}
	}
	// The language's own errors are db.ParseQuery's (db/searchquery_test.go);
	// here, that they come through, and PostgreSQL's limits on NEAR.
	for in, msg := range map[string]string{
		`"guard`:           "closing quote",
		"guard OR -honour": "only excludes",
		"NEAR(a b c)":      "NEAR of 3 terms",
		"NEAR(a b, 51)":    "at most 50",
	} {
		if got, args, err := tsQuery(in, 5); !errors.Is(err, db.ErrBadQuery) || !strings.Contains(err.Error(), msg) {
			t.Errorf("tsQuery(%q) = %q, %q, %v; want ErrBadQuery saying %q", in, got, args, err, msg)
		}
	}
}

func FuzzTSQuery(f *testing.F) {
	for _, s := range []string{"guard", `"a ""b"" c"*`, "a OR (b NOT c*) -d", "NEAR(a b, 3)", "NEAR(", `"`, "((a)", "é*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		expr, args, err := tsQuery(in, 5)
		if err != nil {
			if !errors.Is(err, db.ErrBadQuery) {
				t.Fatalf("tsQuery(%q): %v, not ErrBadQuery", in, err)
			}
			return
		}
		if len(args) == 0 || len(args) > db.MaxQueryTerms || strings.Count(expr, "(") != strings.Count(expr, ")") {
			t.Fatalf("tsQuery(%q) = %q, %d args", in, expr, len(args))
		}
		// The user's text reaches the SQL only as parameters: what is left
		// of the expression without them is our vocabulary.
		rest := expr
		for _, w := range []string{"phraseto_tsquery('simple', $", "to_tsquery('simple', $", "tsquery_phrase(", "||", "&&", "!!", "(", ")", ",", " "} {
			rest = strings.ReplaceAll(rest, w, "")
		}
		if strings.Trim(rest, "0123456789") != "" {
			t.Fatalf("tsQuery(%q) = %q: %q is not ours", in, expr, rest)
		}
	})
}
