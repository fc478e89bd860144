package crawl

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadAll(t *testing.T) {
	body := strings.Repeat("<p>a page</p>", 1000) // 13,000 bytes
	for _, tc := range []struct {
		name    string
		size    int64
		maxCap  int // the first buffer, when the body fits it
		oneRead bool
	}{
		{"size given", int64(len(body)), len(body) + 1, true},
		{"size unknown", -1, unknownSizeBuffer, true},
		{"size too small", 100, 0, false},
		{"size too large", 1 << 31, maxFirstBuffer, true},
		{"size zero", 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(strings.NewReader(body), tc.size)
			if err != nil || string(got) != body {
				t.Fatalf("readAll = %d bytes, %v; want the %d bytes of the body", len(got), err, len(body))
			}
			if tc.oneRead && cap(got) != tc.maxCap {
				t.Errorf("buffer of %d bytes, want the first one, of %d", cap(got), tc.maxCap)
			}
		})
	}
	t.Run("reads one byte at a time", func(t *testing.T) {
		got, err := readAll(iotest.OneByteReader(strings.NewReader(body)), -1)
		if err != nil || string(got) != body {
			t.Fatalf("readAll = %d bytes, %v", len(got), err)
		}
	})
	t.Run("error", func(t *testing.T) {
		boom := errors.New("connection reset")
		got, err := readAll(io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(boom)), 10)
		if !errors.Is(err, boom) || !bytes.Equal(got, []byte("abc")) {
			t.Fatalf("readAll = %q, %v; want abc and the error", got, err)
		}
	})
}
