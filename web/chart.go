package web

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/harvestdev/ytharvest/db"
)

// A chart is inline SVG drawn by the "chart" template from shapes laid
// out here, in user units: no library, no script. Every text in it (host
// names come from the web) goes through html/template like any other.
type chart struct {
	Label         string // what the chart shows, for screen readers
	Width, Height float64
	Rects         []rect
	Texts         []text
	Lines         []line
	Legend        []legendItem // shown under the chart, as HTML
}

type rect struct {
	X, Y, W, H float64
	Fill       string
	Tip        string // shown on hover (<title>)
}

type text struct {
	X, Y   float64
	Anchor string // start, middle, end
	Text   string
}

type line struct{ X1, Y1, X2, Y2 float64 }

type legendItem struct {
	Fill, Text string
}

// palette colours the sites of the new-videos chart (Tableau 10, which
// stays apart for most colour-blind readers); grey is the other sites.
var palette = []string{"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7"}

const otherColour = "#bab0ac"

// chartSites is how many sites get a colour of their own.
const chartSites = 6

// newVideosChart stacks, for each day of the overview's window, the new
// videos of the sites with the most in the window; the rest are "other
// sites".
func newVideosChart(o *db.Overview) *chart {
	if o.FirstDay == "" {
		return nil
	}
	c := &chart{Label: fmt.Sprintf("New videos per day per site, %s to %s", o.FirstDay, o.LastDay), Width: 760, Height: 240}
	hosts, totals := hostsByVideos(o.Days)
	colour := c.siteLegend(hosts, totals)
	stacks, top := dayStacks(o.Days, colour)
	top = niceCeil(top)
	c.drawAxis(top)
	c.drawStacks(dayRange(o.FirstDay, o.LastDay), stacks, hosts, colour, top)
	return c
}

// The new-videos chart's margins around its plot, in user units.
const newLeft, newRight, newTop, newBottom = 48.0, 8.0, 10.0, 28.0

// segment is one site's share of a day's stack ("" for the other sites).
type segment struct {
	host   string
	videos int
}

// dayRange lists the days from first to last (YYYY-MM-DD), both included.
func dayRange(first, last string) []string {
	from, _ := time.Parse("2006-01-02", first)
	to, _ := time.Parse("2006-01-02", last)
	var days []string
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		days = append(days, d.Format("2006-01-02"))
	}
	return days
}

// hostsByVideos returns the sites of days, most new videos first (ties by
// name), and each one's total.
func hostsByVideos(days []db.SiteDay) ([]string, map[string]int) {
	totals := map[string]int{}
	for _, d := range days {
		totals[d.Host] += d.Videos
	}
	hosts := make([]string, 0, len(totals))
	for h := range totals {
		hosts = append(hosts, h)
	}
	slices.SortFunc(hosts, func(a, b string) int {
		if totals[a] != totals[b] {
			return totals[b] - totals[a]
		}
		if a < b {
			return -1
		}
		return 1
	})
	return hosts, totals
}

// siteLegend gives the first chartSites hosts a colour each and a legend
// entry, and the rest one entry together; it returns the colours.
func (c *chart) siteLegend(hosts []string, totals map[string]int) map[string]string {
	colour := map[string]string{}
	for i, h := range hosts {
		if i < chartSites {
			colour[h] = palette[i]
			c.Legend = append(c.Legend, legendItem{Fill: palette[i], Text: fmt.Sprintf("%s (%d)", h, totals[h])})
		}
	}
	if len(hosts) > chartSites {
		n := 0
		for _, h := range hosts[chartSites:] {
			n += totals[h]
		}
		c.Legend = append(c.Legend, legendItem{Fill: otherColour, Text: fmt.Sprintf("%d other sites (%d)", len(hosts)-chartSites, n)})
	}
	return colour
}

// dayStacks returns each day's stack, one segment per coloured site and
// one for the rest, and the largest day's total (at least 1).
func dayStacks(days []db.SiteDay, colour map[string]string) (map[string][]segment, int) {
	stacks := map[string][]segment{}
	dayTotal := map[string]int{}
	for _, d := range days {
		h := d.Host
		if _, ok := colour[h]; !ok {
			h = ""
		}
		st := stacks[d.Day]
		if n := len(st); n > 0 && h == "" && st[n-1].host == "" {
			st[n-1].videos += d.Videos
		} else {
			st = append(st, segment{h, d.Videos})
		}
		stacks[d.Day] = st
		dayTotal[d.Day] += d.Videos
	}
	top := 1
	for _, n := range dayTotal {
		top = max(top, n)
	}
	return stacks, top
}

// drawAxis draws the grid lines and labels at 0, top/2 and top.
func (c *chart) drawAxis(top int) {
	plotH := c.Height - newTop - newBottom
	for i, tick := range []int{0, top / 2, top} {
		y := newTop + plotH - plotH*float64(tick)/float64(top)
		if i > 0 && tick == 0 {
			continue
		}
		c.Lines = append(c.Lines, line{newLeft, y, c.Width - newRight, y})
		c.Texts = append(c.Texts, text{X: newLeft - 6, Y: y + 4, Anchor: "end", Text: strconv.Itoa(tick)})
	}
}

// drawStacks draws a bar per day, its biggest sites at the bottom in
// legend order, and a date under every fifth and the last.
func (c *chart) drawStacks(days []string, stacks map[string][]segment, hosts []string, colour map[string]string, top int) {
	plotW, plotH := c.Width-newLeft-newRight, c.Height-newTop-newBottom
	slot := plotW / float64(len(days))
	barW := max(slot*0.8, 1)
	for i, day := range days {
		x := newLeft + float64(i)*slot + (slot-barW)/2
		y := newTop + plotH
		st := stacks[day]
		slices.SortStableFunc(st, func(a, b segment) int { return rank(hosts, a.host) - rank(hosts, b.host) })
		for _, sg := range st {
			h := plotH * float64(sg.videos) / float64(top)
			y -= h
			fill, name := otherColour, "other sites"
			if sg.host != "" {
				fill, name = colour[sg.host], sg.host
			}
			c.Rects = append(c.Rects, rect{X: x, Y: y, W: barW, H: h, Fill: fill,
				Tip: fmt.Sprintf("%s: %d new on %s", day, sg.videos, name)})
		}
		if i%5 == 0 || i == len(days)-1 {
			c.Texts = append(c.Texts, text{X: x + barW/2, Y: c.Height - 8, Anchor: "middle", Text: day[5:]})
		}
	}
}

// rank is a site's place in the legend; the other sites come last.
func rank(hosts []string, h string) int {
	if h == "" {
		return len(hosts)
	}
	return slices.Index(hosts, h)
}

// niceCeil rounds n up to 1, 2 or 5 times a power of ten, so the axis
// reads well.
func niceCeil(n int) int {
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
	}
}

// statusColours colour the video statuses wherever they are drawn.
var statusColours = map[string]string{
	"ok": "#59a14f", "pending": "#bab0ac", "private": "#f28e2b", "removed": "#e15759",
	"age_restricted": "#9c755f", "unplayable": "#b07aa1", "live_upcoming": "#4e79a7",
	"blocked": "#79706e", "error": "#ff9da7",
}

// statusChart draws one horizontal bar per status.
func statusChart(counts []db.Count) *chart {
	if len(counts) == 0 {
		return nil
	}
	const rowH, left, right = 22.0, 120.0, 70.0
	c := &chart{Label: "Videos by status", Width: 480, Height: rowH*float64(len(counts)) + 4}
	top := 1
	for _, n := range counts {
		top = max(top, n.Count)
	}
	for i, n := range counts {
		y := 2 + float64(i)*rowH
		w := (c.Width - left - right) * float64(n.Count) / float64(top)
		fill := statusColours[n.Name]
		if fill == "" {
			fill = otherColour
		}
		c.Texts = append(c.Texts, text{X: left - 8, Y: y + 15, Anchor: "end", Text: n.Name})
		c.Rects = append(c.Rects, rect{X: left, Y: y + 3, W: max(w, 1), H: rowH - 6, Fill: fill,
			Tip: fmt.Sprintf("%s: %d", n.Name, n.Count)})
		c.Texts = append(c.Texts, text{X: left + max(w, 1) + 6, Y: y + 15, Anchor: "start", Text: strconv.Itoa(n.Count)})
	}
	return c
}

// bodyChart is a small bar: a site's references in article bodies,
// against those in site chrome.
func bodyChart(body, total int) *chart {
	if total <= 0 {
		return nil
	}
	const w, h = 120.0, 12.0
	c := &chart{Label: fmt.Sprintf("%d of %d references in article bodies", body, total), Width: w, Height: h}
	bw := w * float64(body) / float64(total)
	c.Rects = append(c.Rects,
		rect{X: 0, Y: 0, W: bw, H: h, Fill: "#4e79a7", Tip: fmt.Sprintf("%d in article bodies", body)},
		rect{X: bw, Y: 0, W: w - bw, H: h, Fill: "#d4d4d4", Tip: fmt.Sprintf("%d in site chrome", total-body)})
	return c
}
