package db

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The search query language, read the same on both stores (SearchQuery,
// the search command, the web UI's search box): SQLite FTS5's, as a user
// of a web search engine writes it too.
//
//	guard honour        every word must match (AND)
//	"guard of honour"   a phrase
//	gua*                a prefix
//	a OR b, a AND b     OR binds loosest, then AND, then NOT
//	a NOT b, a -b       a, and not b (a AND NOT b too)
//	(a OR b) c          parentheses
//	NEAR(a b, 5)        a and b at most 5 words apart (10 without the number)
//
// ParseQuery reads it into a tree of QueryNodes; each store writes its own
// query from the tree (ftsMatch here, a tsquery in db/postgres), so that
// the user's text never reaches either as syntax.

// QueryOp is the kind of a QueryNode.
type QueryOp int

const (
	QueryTerm QueryOp = iota // a word or "a phrase": Text, Phrase, Prefix
	QueryAnd                 // every one of Kids (two or more)
	QueryOr                  // any of Kids (two or more)
	QueryNot                 // not Kids[0]: inside an AND, "a NOT b" and "a -b"
	QueryNear                // the terms Kids within Dist words of each other
)

// QueryNode is one node of a parsed search query.
type QueryNode struct {
	Op     QueryOp
	Text   string // QueryTerm: the word, or the phrase without its quotes
	Phrase bool   // QueryTerm: written in double quotes
	Prefix bool   // QueryTerm: followed by a star
	Kids   []*QueryNode
	Dist   int // QueryNear: at most this many words apart
}

// MaxQueryTerms bounds the words and phrases of one query.
const MaxQueryTerms = 64

// DefaultNear is NEAR's distance when the query gives none (FTS5's).
const DefaultNear = 10

// maxQueryDepth bounds how deep parentheses and -s nest: the parser
// recurses once a level, and a megabyte of "(" would exhaust its stack.
const maxQueryDepth = 32

// ParseQuery reads a search query. Its errors wrap ErrBadQuery and say
// what is wrong.
func ParseQuery(text string) (*QueryNode, error) {
	p := &queryParser{toks: lexQuery(text)}
	if n := len(p.toks); n > 0 && p.toks[n-1].kind == tokBad {
		return nil, fmt.Errorf("%w: %s", ErrBadQuery, p.toks[n-1].text)
	}
	if len(p.toks) == 0 {
		return nil, fmt.Errorf("%w: it has no words", ErrBadQuery)
	}
	q, err := p.or()
	if err == nil && p.pos < len(p.toks) {
		err = p.errorf("unexpected %s", p.toks[p.pos])
	}
	if err == nil {
		err = checkExclusions(q, false)
	}
	if err != nil {
		return nil, err
	}
	return q, nil
}

// String writes q back in the query language, fully parenthesised: for
// tests and error messages.
func (q *QueryNode) String() string {
	switch q.Op {
	case QueryTerm:
		s := q.Text
		if q.Phrase {
			s = `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
		if q.Prefix {
			s += "*"
		}
		return s
	case QueryNot:
		return "-" + q.Kids[0].String()
	case QueryNear:
		return "NEAR(" + joinNodes(q.Kids, " ", (*QueryNode).String) + ", " + strconv.Itoa(q.Dist) + ")"
	}
	op := " AND "
	if q.Op == QueryOr {
		op = " OR "
	}
	return "(" + joinNodes(q.Kids, op, (*QueryNode).String) + ")"
}

// joinNodes joins what write writes of each node with sep.
func joinNodes(nodes []*QueryNode, sep string, write func(*QueryNode) string) string {
	s := make([]string, len(nodes))
	for i, n := range nodes {
		s[i] = write(n)
	}
	return strings.Join(s, sep)
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

// lexQuery splits a query into tokens. A string that cannot be read as a
// whole ends in one tokBad.
func lexQuery(s string) []token {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return []token{{kind: tokBad, text: "it holds a NUL character"}}
	case !utf8.ValidString(s):
		return []token{{kind: tokBad, text: "it is not UTF-8"}}
	}
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
			// -word excludes; a minus on its own ("a - b") is nothing.
			if i+1 < len(s) && !strings.ContainsRune(" \t\n\r),", rune(s[i+1])) {
				toks = append(toks, token{kind: tokMinus})
			}
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
			if hasWordChar(t.text) {
				toks = append(toks, t)
			}
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
			case w == "NOT" && len(toks) > 0 && toks[len(toks)-1].kind == tokAnd:
				toks[len(toks)-1].kind = tokNot // a AND NOT b, as SQL and search engines write it: a NOT b
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
				if hasWordChar(t.text) {
					toks = append(toks, t)
				}
			}
		}
	}
	return toks
}

// hasWordChar reports whether s has a letter or a digit. A word or phrase
// without one ("+", "^", "'") has nothing either store indexes, and is
// left out of the query, as PostgreSQL leaves it: in FTS5 it would match
// nothing, and everything beside it with it.
func hasWordChar(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0
}

// queryParser reads tokens into a tree.
type queryParser struct {
	toks  []token
	pos   int
	terms int
	depth int // of the term being read: parentheses and -s around it
}

func (p *queryParser) errorf(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadQuery}, a...)...)
}

func (p *queryParser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

// or: and ("OR" and)*
func (p *queryParser) or() (*QueryNode, error) {
	return p.chain(p.and, tokOr, func(l, r *QueryNode) *QueryNode { return join(QueryOr, l, r) })
}

// chain reads next (op next)*, combining the operands left to right.
func (p *queryParser) chain(next func() (*QueryNode, error), op tokKind, combine func(l, r *QueryNode) *QueryNode) (*QueryNode, error) {
	left, err := next()
	if err != nil {
		return nil, err
	}
	for t, ok := p.peek(); ok && t.kind == op; t, ok = p.peek() {
		p.pos++
		right, err := next()
		if err != nil {
			return nil, err
		}
		left = combine(left, right)
	}
	return left, nil
}

// and: not (["AND"] not)*; a -term joins as AND NOT.
func (p *queryParser) and() (*QueryNode, error) {
	left, err := p.not()
	if err != nil {
		return nil, err
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
			return nil, err
		}
		left = join(QueryAnd, left, right)
	}
}

// not: term ("NOT" term)*; a NOT b is a AND -b.
func (p *queryParser) not() (*QueryNode, error) {
	return p.chain(p.term, tokNot, func(l, r *QueryNode) *QueryNode {
		return join(QueryAnd, l, &QueryNode{Op: QueryNot, Kids: []*QueryNode{r}})
	})
}

// join returns a op b, as one node when either is already an op.
func join(op QueryOp, a, b *QueryNode) *QueryNode {
	n := &QueryNode{Op: op}
	for _, k := range []*QueryNode{a, b} {
		if k.Op == op {
			n.Kids = append(n.Kids, k.Kids...)
		} else {
			n.Kids = append(n.Kids, k)
		}
	}
	return n
}

// term: word | phrase | "(" or ")" | NEAR(…) | -term
func (p *queryParser) term() (*QueryNode, error) {
	t, ok := p.peek()
	if !ok {
		return nil, p.errorf("it ends where a word was expected")
	}
	p.pos++
	if t.kind == tokMinus || t.kind == tokOpen {
		if p.depth == maxQueryDepth {
			return nil, p.errorf("parentheses or -s nested more than %d deep", maxQueryDepth)
		}
		p.depth++
		defer func() { p.depth-- }()
	}
	switch t.kind {
	case tokWord, tokPhrase:
		return p.leaf(t)
	case tokMinus:
		q, err := p.term()
		if err != nil {
			return nil, err
		}
		return &QueryNode{Op: QueryNot, Kids: []*QueryNode{q}}, nil
	case tokOpen:
		q, err := p.or()
		if err != nil {
			return nil, err
		}
		if t, ok := p.peek(); !ok || t.kind != tokClose {
			return nil, p.errorf("a parenthesis is not closed")
		}
		p.pos++
		return q, nil
	case tokNear:
		return p.near()
	}
	return nil, p.errorf("unexpected %s", t)
}

// leaf is the node of one word or phrase.
func (p *queryParser) leaf(t token) (*QueryNode, error) {
	if p.terms == MaxQueryTerms {
		return nil, p.errorf("more than %d words", MaxQueryTerms)
	}
	p.terms++
	return &QueryNode{Op: QueryTerm, Text: t.text, Phrase: t.kind == tokPhrase, Prefix: t.prefix}, nil
}

// near: the terms of NEAR( term+ [, N] ); one term is that term.
func (p *queryParser) near() (*QueryNode, error) {
	n := &QueryNode{Op: QueryNear, Dist: DefaultNear}
	for {
		t, ok := p.peek()
		if !ok {
			return nil, p.errorf("NEAR( is not closed")
		}
		if t.kind != tokWord && t.kind != tokPhrase {
			break
		}
		p.pos++
		q, err := p.leaf(t)
		if err != nil {
			return nil, err
		}
		n.Kids = append(n.Kids, q)
	}
	if t, _ := p.peek(); t.kind == tokComma {
		p.pos++
		d, ok := p.peek()
		dist, err := strconv.Atoi(d.text)
		if !ok || d.kind != tokWord || d.prefix || err != nil || dist < 0 {
			return nil, p.errorf("NEAR's distance must be a number")
		}
		p.pos++
		n.Dist = dist
	}
	if t, ok := p.peek(); !ok || t.kind != tokClose {
		return nil, p.errorf("NEAR( is not closed")
	}
	p.pos++
	switch len(n.Kids) {
	case 0:
		return nil, p.errorf("NEAR( has no words")
	case 1:
		return n.Kids[0], nil
	}
	return n, nil
}

// checkExclusions refuses a query with a part that only excludes: NOT and
// -word exclude from what the words beside them match (FTS5's NOT does
// nothing else), so every exclusion sits in an AND with a word or phrase
// that must match. inAnd: q is a part of an AND.
func checkExclusions(q *QueryNode, inAnd bool) error {
	switch q.Op {
	case QueryNot:
		if !inAnd {
			return fmt.Errorf("%w: %s only excludes: add a word that must match", ErrBadQuery, q)
		}
		return checkExclusions(q.Kids[0], false)
	case QueryAnd:
		if !slices.ContainsFunc(q.Kids, func(k *QueryNode) bool { return k.Op != QueryNot }) {
			return fmt.Errorf("%w: %s only excludes: add a word that must match", ErrBadQuery, q)
		}
		for _, k := range q.Kids {
			if err := checkExclusions(k, true); err != nil {
				return err
			}
		}
	case QueryOr:
		for _, k := range q.Kids {
			if err := checkExclusions(k, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// ftsMatch writes q, a query ParseQuery read, as an FTS5 MATCH expression.
// Every word and phrase is an FTS5 string, so that no word the user typed
// is read as FTS5 syntax (a column filter, ^, +…), and the operators are
// FTS5's own, written out: "(a OR b) c" becomes ("a" OR "b") AND "c",
// "a -b" becomes "a" NOT "b".
func ftsMatch(q *QueryNode) string {
	switch q.Op {
	case QueryTerm:
		s := `"` + strings.ReplaceAll(q.Text, `"`, `""`) + `"`
		if q.Prefix {
			s += "*"
		}
		return s
	case QueryNear:
		return fmt.Sprintf("NEAR(%s, %d)", joinNodes(q.Kids, " ", ftsMatch), q.Dist)
	case QueryOr:
		return "(" + joinNodes(q.Kids, " OR ", ftsMatch) + ")"
	case QueryNot: // only inside an AND (checkExclusions)
		return ftsMatch(q.Kids[0])
	}
	var must, not []*QueryNode
	for _, k := range q.Kids {
		if k.Op == QueryNot {
			not = append(not, k)
		} else {
			must = append(must, k)
		}
	}
	s := joinNodes(must, " AND ", ftsMatch)
	if len(not) == 0 {
		return "(" + s + ")"
	}
	if len(must) > 1 {
		s = "(" + s + ")"
	}
	for _, n := range not {
		s += " NOT " + ftsMatch(n)
	}
	return "(" + s + ")"
}
