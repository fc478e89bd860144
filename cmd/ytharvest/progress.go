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
// until stop is called, which erases it.
func progressLine(w io.Writer, p *harvest.Progress) (stop func()) {
	start := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
				pages := p.PagesDone.Load()
				rate := float64(pages) / time.Since(start).Seconds()
				fmt.Fprintf(w, "\r\033[Kpages %d done, %d found · videos %d done · %.1f pages/s",
					pages, p.PagesFound.Load(), p.VideosDone.Load(), rate)
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
