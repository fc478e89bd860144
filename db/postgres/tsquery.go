package postgres

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/harvestdev/ytharvest/db"
)

// The search query language is db's (db.ParseQuery reads it for both
// stores): words, all of which must match; "a phrase"; AND, OR and NOT
// (NOT binds tightest, OR loosest), -word; parentheses; prefix*; NEAR(a
// b, N). tsQuery writes the PostgreSQL tsquery expression that asks the
// same of to_tsvector('simple', …):
//
//	word        phraseto_tsquery('simple', 'word')   (the document's own tokenizer)
//	"a phrase"  phraseto_tsquery('simple', 'a phrase')
//	pre*        to_tsquery('simple', '''pre'':*')
//	a b, a AND b   (A && B)
//	a OR b      (A || B)
//	a NOT b     (A && !!B)
//	NEAR(a b, N)   a and b at most N words apart, either order: an OR of
//	               tsquery_phrase(A, B, d) and tsquery_phrase(B, A, d) for d = 1..N+1
//
// The SQL it writes is ours; every word the user typed is a parameter.

// maxNear bounds the distance of a NEAR: each distance is two
// alternatives in the tsquery.
const maxNear = 50

// tsQuery translates text into a tsquery expression whose parameters are
// numbered from first ($first, $first+1, …) and are args.
func tsQuery(text string, first int) (expr string, args []any, err error) {
	q, err := db.ParseQuery(text)
	if err != nil {
		return "", nil, err
	}
	w := &tsWriter{first: first}
	if expr, err = w.write(q); err != nil {
		return "", nil, err
	}
	return expr, w.args, nil
}

// tsWriter writes a parsed query as a tsquery, its words as parameters.
type tsWriter struct {
	first int
	args  []any
}

func (w *tsWriter) write(q *db.QueryNode) (string, error) {
	switch q.Op {
	case db.QueryTerm:
		return w.lexeme(q), nil
	case db.QueryNot:
		s, err := w.write(q.Kids[0])
		return "!!" + s, err
	case db.QueryNear:
		return w.near(q)
	}
	op := " && "
	if q.Op == db.QueryOr {
		op = " || "
	}
	parts := make([]string, len(q.Kids))
	for i, k := range q.Kids {
		s, err := w.write(k)
		if err != nil {
			return "", err
		}
		parts[i] = s
	}
	return "(" + strings.Join(parts, op) + ")", nil
}

// lexeme is the tsquery of one word or phrase, a parameter.
func (w *tsWriter) lexeme(t *db.QueryNode) string {
	if t.Prefix && !t.Phrase && isPlainWord(t.Text) {
		w.args = append(w.args, "'"+strings.ToLower(t.Text)+"':*")
		return fmt.Sprintf("to_tsquery('simple', $%d)", w.first+len(w.args)-1)
	}
	// A phrase's star, or one after a word of several tokens, has no
	// tsquery of the same meaning: the words are matched whole.
	w.args = append(w.args, t.Text)
	return fmt.Sprintf("phraseto_tsquery('simple', $%d)", w.first+len(w.args)-1)
}

// near: NEAR(a b, N) as an OR of tsquery_phrase(A, B, d) and
// tsquery_phrase(B, A, d) for d = 1..N+1.
func (w *tsWriter) near(q *db.QueryNode) (string, error) {
	switch {
	case len(q.Kids) != 2:
		return "", fmt.Errorf("%w: NEAR of %d terms: PostgreSQL searches NEAR of two", db.ErrBadQuery, len(q.Kids))
	case q.Dist > maxNear:
		return "", fmt.Errorf("%w: NEAR distance %d: at most %d on PostgreSQL", db.ErrBadQuery, q.Dist, maxNear)
	}
	a, b := w.lexeme(q.Kids[0]), w.lexeme(q.Kids[1])
	alts := make([]string, 0, 2*(q.Dist+1))
	for d := 1; d <= q.Dist+1; d++ {
		alts = append(alts, fmt.Sprintf("tsquery_phrase(%s, %s, %d)", a, b, d),
			fmt.Sprintf("tsquery_phrase(%s, %s, %d)", b, a, d))
	}
	return "(" + strings.Join(alts, " || ") + ")", nil
}

// isPlainWord reports whether w is one token of letters and digits, which
// a prefix query can name as it is.
func isPlainWord(w string) bool {
	for _, r := range w {
		if r == utf8.RuneError || !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
			return false
		}
	}
	return w != ""
}
