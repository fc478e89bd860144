package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// isTerminal reports whether w is a terminal: the progress line is for
// people watching, never for cron's mail or a log file.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressLine redraws one line on w every second with the run's counts
// until stop is called, which draws it a last time, final, and ends it.
func progressLine(w io.Writer, p *harvest.Progress) (stop func()) {
	start := time.Now()
	draw := func() {
		pages := p.PagesDone.Load()
		rate := float64(pages) / max(time.Since(start).Seconds(), 1e-3)
		// Pages queued by an earlier run are not counted as found.
		fmt.Fprintf(w, "\r\033[Kpages %d of %d · videos %d · %.1f pages/s", pages, max(pages, p.PagesFound.Load()), p.VideosDone.Load(), rate)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				draw()
				fmt.Fprintln(w)
				return
			case <-t.C:
				draw()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
