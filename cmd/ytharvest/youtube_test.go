package main

import (
	"database/sql"
	"testing"
)

// coolDown ends every egress's bench, as the passing of its cool-down
// (15 minutes and more) would: the tests that block YouTube and then
// lift the block use it before the run that should go through.
func (e *env) coolDown() {
	e.t.Helper()
	coolDown(e.t, e.dbPath)
}

func coolDown(t *testing.T, path string) {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Exec(`UPDATE egresses SET benched_until = NULL, strikes = 0`); err != nil {
		t.Fatal(err)
	}
}
