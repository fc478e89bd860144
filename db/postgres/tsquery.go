package postgres

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/harvestdev/ytharvest/db"
)

// The search command's query language is SQLite FTS5's (db.SearchQuery):
// words, all of which must match; "a phrase"; AND, OR and NOT (NOT binds
// tightest, OR loosest); parentheses; prefix*; NEAR(a b, N). tsQuery
// reads it, and websearch's -word (for NOT) too, and writes the PostgreSQL
// tsquery expression that asks the same of to_tsvector('simple', …):
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

// maxQueryTerms bounds the words and phrases of one query, and maxNear the
// distance of a NEAR (each distance is two alternatives in the tsquery).
const (
	maxQueryTerms = 64
	maxNear       = 50
	defaultNear   = 10 // FTS5's default NEAR distance
)

// tsQuery translates text into a tsquery expression whose parameters are
// numbered from first ($first, $first+1, …) and are args.
func tsQuery(text string, first int) (expr string, args []any, err error) {
	p := &queryParser{toks: lexQuery(text), first: first}
	if err := p.lexErr(); err != nil {
		return "", nil, err
	}
	if len(p.toks) == 0 {
		return "", nil, fmt.Errorf("%w: it has no words", db.ErrBadQuery)
	}
	expr, err = p.or()
	if err == nil && p.pos < len(p.toks) {
		err = p.errorf("unexpected %s", p.toks[p.pos])
	}
	if err != nil {
		return "", nil, err
	}
	return expr, p.args, nil
}

// tokKind is the kind of a token of a query.
type tokKind int

const (
	tokWord   tokKind = iota // a bareword (text), maybe with a prefix star
	tokPhrase                // a "quoted phrase" (text)
	tokAnd
	tokOr
	tokNot
	tokMinus // websearch's -word: NOT the next term
	tokNear  // NEAR(
	tokOpen
	tokClose
	tokComma
	tokBad // text: what is wrong
)

type token struct {
	kind   tokKind
	text   string
	prefix bool
}

func (t token) String() string {
	switch t.kind {
	case tokWord:
		return strconv.Quote(t.text)
	case tokPhrase:
		return "phrase " + strconv.Quote(t.text)
	case tokAnd:
		return "AND"
	case tokOr:
		return "OR"
	case tokNot:
		return "NOT"
	case tokMinus:
		return `"-"`
	case tokNear:
		return "NEAR("
	case tokOpen:
		return `"("`
	case tokClose:
		return `")"`
	case tokComma:
		return `","`
	}
	return t.text
}

// lexQuery splits a query into tokens. A string FTS5 would refuse as a
// whole ends in one tokBad.
func lexQuery(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{kind: tokOpen})
			i++
		case c == ')':
			toks = append(toks, token{kind: tokClose})
			i++
		case c == ',':
			toks = append(toks, token{kind: tokComma})
			i++
		case c == '-' && (len(toks) == 0 || toks[len(toks)-1].kind != tokNear):
			toks = append(toks, token{kind: tokMinus})
			i++
		case c == '"':
			// FTS5 writes a quote inside a phrase as two.
			var b strings.Builder
			j := i + 1
			for {
				k := strings.IndexByte(s[j:], '"')
				if k < 0 {
					return append(toks, token{kind: tokBad, text: "a phrase without its closing quote"})
				}
				b.WriteString(s[j : j+k])
				j += k + 1
				if j < len(s) && s[j] == '"' {
					b.WriteByte('"')
					j++
					continue
				}
				break
			}
			t := token{kind: tokPhrase, text: b.String()}
			if j < len(s) && s[j] == '*' {
				t.prefix = true
				j++
			}
			toks = append(toks, t)
			i = j
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()\",", rune(s[j])) {
				j++
			}
			w := s[i:j]
			i = j
			switch {
			case w == "AND":
				toks = append(toks, token{kind: tokAnd})
			case w == "OR":
				toks = append(toks, token{kind: tokOr})
			case w == "NOT":
				toks = append(toks, token{kind: tokNot})
			case w == "NEAR" && i < len(s) && s[i] == '(':
				toks = append(toks, token{kind: tokNear})
				i++
			default:
				t := token{kind: tokWord, text: strings.TrimRight(w, "*")}
				t.prefix = len(t.text) < len(w)
				if t.text == "" {
					return append(toks, token{kind: tokBad, text: "a star with no word before it"})
				}
				toks = append(toks, t)
			}
		}
	}
	return toks
}

// queryParser reads tokens into a tsquery expression.
type queryParser struct {
	toks  []token
	pos   int
	first int
	args  []any
}

func (p *queryParser) lexErr() error {
	if n := len(p.toks); n > 0 && p.toks[n-1].kind == tokBad {
		return fmt.Errorf("%w: %s", db.ErrBadQuery, p.toks[n-1].text)
	}
	return nil
}

func (p *queryParser) errorf(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{db.ErrBadQuery}, a...)...)
}

func (p *queryParser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

// or: and ("OR" and)*
func (p *queryParser) or() (string, error) { return p.chain(p.and, tokOr, " || ") }

// chain reads next (op next)*, joining the operands' tsqueries with join.
func (p *queryParser) chain(next func() (string, error), op tokKind, join string) (string, error) {
	left, err := next()
	if err != nil {
		return "", err
	}
	for t, ok := p.peek(); ok && t.kind == op; t, ok = p.peek() {
		p.pos++
		right, err := next()
		if err != nil {
			return "", err
		}
		left = "(" + left + join + right + ")"
	}
	return left, nil
}

// and: not (["AND"] not)*; a -term joins as AND NOT.
func (p *queryParser) and() (string, error) {
	left, err := p.not()
	if err != nil {
		return "", err
	}
	for {
		t, ok := p.peek()
		if !ok || t.kind == tokOr || t.kind == tokClose || t.kind == tokComma {
			return left, nil
		}
		if t.kind == tokAnd {
			p.pos++
		}
		right, err := p.not()
		if err != nil {
			return "", err
		}
		left = "(" + left + " && " + right + ")"
	}
}

// not: term ("NOT" term)*
func (p *queryParser) not() (string, error) { return p.chain(p.term, tokNot, " && !!") }

// term: word | phrase | "(" or ")" | NEAR(…) | -term
func (p *queryParser) term() (string, error) {
	t, ok := p.peek()
	if !ok {
		return "", p.errorf("it ends where a word was expected")
	}
	p.pos++
	switch t.kind {
	case tokWord, tokPhrase:
		return p.lexeme(t)
	case tokMinus:
		q, err := p.term()
		if err != nil {
			return "", err
		}
		return "!!" + q, nil
	case tokOpen:
		q, err := p.or()
		if err != nil {
			return "", err
		}
		if t, ok := p.peek(); !ok || t.kind != tokClose {
			return "", p.errorf("a parenthesis is not closed")
		}
		p.pos++
		return q, nil
	case tokNear:
		return p.near()
	}
	return "", p.errorf("unexpected %s", t)
}

// lexeme is the tsquery of one word or phrase, a parameter.
func (p *queryParser) lexeme(t token) (string, error) {
	if len(p.args) == maxQueryTerms {
		return "", p.errorf("more than %d words", maxQueryTerms)
	}
	if t.prefix && t.kind == tokWord && isPlainWord(t.text) {
		p.args = append(p.args, "'"+strings.ToLower(t.text)+"':*")
		return fmt.Sprintf("to_tsquery('simple', $%d)", p.first+len(p.args)-1), nil
	}
	// A phrase's star, or one after a word of several tokens, has no
	// tsquery of the same meaning: the words are matched whole.
	p.args = append(p.args, t.text)
	return fmt.Sprintf("phraseto_tsquery('simple', $%d)", p.first+len(p.args)-1), nil
}

// near: the terms of NEAR( term term [, N] ): two of them.
func (p *queryParser) near() (string, error) {
	var terms []string
	for {
		t, ok := p.peek()
		if !ok {
			return "", p.errorf("NEAR( is not closed")
		}
		if t.kind != tokWord && t.kind != tokPhrase {
			break
		}
		p.pos++
		q, err := p.lexeme(t)
		if err != nil {
			return "", err
		}
		terms = append(terms, q)
	}
	dist := defaultNear
	if t, _ := p.peek(); t.kind == tokComma {
		p.pos++
		n, ok := p.peek()
		d, err := strconv.Atoi(n.text)
		if !ok || n.kind != tokWord || n.prefix || err != nil || d < 0 {
			return "", p.errorf("NEAR's distance must be a number")
		}
		p.pos++
		dist = d
	}
	if t, ok := p.peek(); !ok || t.kind != tokClose {
		return "", p.errorf("NEAR( is not closed")
	}
	p.pos++
	switch {
	case len(terms) == 1:
		return terms[0], nil
	case len(terms) != 2:
		return "", p.errorf("NEAR of %d terms: PostgreSQL searches NEAR of two", len(terms))
	case dist > maxNear:
		return "", p.errorf("NEAR distance %d: at most %d on PostgreSQL", dist, maxNear)
	}
	alts := make([]string, 0, 2*(dist+1))
	for d := 1; d <= dist+1; d++ {
		alts = append(alts, fmt.Sprintf("tsquery_phrase(%s, %s, %d)", terms[0], terms[1], d),
			fmt.Sprintf("tsquery_phrase(%s, %s, %d)", terms[1], terms[0], d))
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
