package extract

import "golang.org/x/net/html/atom"

// Tables on the fast path: the parser moves what a table holds outside
// its cells and captions out of it (foster parenting), and the fast path
// gives up there; it follows the cells, rows and bodies that close one
// another.

// tableStart reads a start tag inside a table. It reports false where the
// parser would move the element out of the table (foster parenting), and
// done when the tag is one of the table's own.
func (s *fastScan) tableStart(a atom.Atom) (ok, done bool) {
	top := s.tables[len(s.tables)-1]
	switch a {
	case atom.Td, atom.Th, atom.Caption, atom.Tr, atom.Tbody, atom.Thead, atom.Tfoot, atom.Col, atom.Colgroup:
		if top != 'T' {
			s.tables = s.tables[:len(s.tables)-1] // closes the cell it is in
		}
		// Back to the row for a cell, to the table body for a row, to
		// the table for the rest; the bodies and rows the parser adds
		// have no attributes, and are not kept.
		s.clearTo(a)
		if !s.element(a, "") {
			return false, true
		}
		switch a {
		case atom.Td, atom.Th, atom.Caption:
			s.tables = append(s.tables, cellMark(a))
		case atom.Col, atom.Colgroup:
			return true, true // only cols, which are void, go in a colgroup
		}
		return s.push(a), true
	case atom.Table:
		if top == 'T' {
			return false, true // closes the table and opens another: rare
		}
		return true, false // a table in a cell
	}
	if top != 'T' {
		return true, false // a cell holds what the body holds
	}
	switch a {
	case atom.Script, atom.Style:
		return s.element(a, ""), true
	}
	return false, true
}

// clearTo pops what a table part a closes: up to the row for a cell, the
// table body for a row, the table for a body, caption or column group.
func (s *fastScan) clearTo(a atom.Atom) {
	for i := len(s.open) - 1; i >= 0; i-- {
		switch e := s.open[i].a; {
		case e == atom.Table,
			(a == atom.Td || a == atom.Th) && (e == atom.Tr || e == atom.Tbody || e == atom.Thead || e == atom.Tfoot),
			a == atom.Tr && (e == atom.Tbody || e == atom.Thead || e == atom.Tfoot):
			s.truncate(i + 1) // cells and their content: the markers clear their formatting
			return
		}
	}
}

// tableEnd reads an end tag inside a table.
func (s *fastScan) tableEnd(a atom.Atom) (ok, done bool) {
	top := s.tables[len(s.tables)-1]
	switch a {
	case atom.Td, atom.Th, atom.Caption:
		if top == cellMark(a) {
			s.tables = s.tables[:len(s.tables)-1]
			s.popAll(a)
		}
		return true, true // else ignored
	case atom.Tr, atom.Tbody, atom.Thead, atom.Tfoot:
		if top == 'd' || top == 'h' {
			s.tables = s.tables[:len(s.tables)-1]
		}
		if top != 'a' {
			s.popAll(a)
		}
		return true, true
	case atom.Table:
		for len(s.tables) > 0 {
			t := s.tables[len(s.tables)-1]
			s.tables = s.tables[:len(s.tables)-1]
			if t == 'T' {
				break
			}
		}
		s.popAll(a)
		return true, true
	case atom.Colgroup, atom.Col, atom.Body, atom.Html:
		return true, true // ignored
	}
	if top != 'T' {
		return true, false
	}
	switch a {
	case atom.Script, atom.Style:
		return true, false
	}
	return false, true
}

// popAll pops up to and with the nearest open a, inside the innermost
// table: the end of a table part closes what it holds.
func (s *fastScan) popAll(a atom.Atom) {
	for i := len(s.open) - 1; i >= 0; i-- {
		if s.open[i].a == a && !s.open[i].svg {
			s.truncate(i)
			return
		}
		if s.open[i].a == atom.Table {
			return
		}
	}
}

// cellMark returns the mark of a td, th or caption in fastScan.tables.
func cellMark(a atom.Atom) byte {
	switch a {
	case atom.Td:
		return 'd'
	case atom.Th:
		return 'h'
	}
	return 'a'
}
