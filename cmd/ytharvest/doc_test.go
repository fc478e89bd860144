package main

import (
	"os"
	"strings"
	"testing"
)

// The package comment (go doc's page for the command) lists every
// command the binary runs, as `ytharvest help` does.
func TestDocListsCommands(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range commands {
		if !strings.Contains(string(doc), "//\tytharvest "+c+" ") {
			t.Errorf("doc.go does not list %q", c)
		}
		if !strings.Contains(usage, "  ytharvest "+c+" ") {
			t.Errorf("ytharvest help does not list %q", c)
		}
	}
}
