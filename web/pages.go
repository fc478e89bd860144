package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/harvestdev/ytharvest/db"
)

const (
	perPage     = 50
	chartDays   = 30 // the overview's chart
	overviewRun = 10 // runs on the overview
	topChannels = 5  // per site
)

type overviewPage struct {
	O        *db.Overview
	Total    int // videos
	NewChart *chart
	Statuses *chart
}

func (s *Server) overview(r *http.Request) (string, any, error) {
	if p := readParams(r.URL); p.err != nil {
		return "", nil, p.err
	}
	o, err := s.store.Overview(r.Context(), chartDays, overviewRun)
	if err != nil {
		return "", nil, err
	}
	return "overview", overviewData(o), nil
}

func overviewData(o *db.Overview) overviewPage {
	total := 0
	for _, c := range o.Videos {
		total += c.Count
	}
	return overviewPage{O: o, Total: total, NewChart: newVideosChart(o), Statuses: statusChart(o.Videos)}
}

type videosPage struct {
	Filter   db.VideoFilter
	Form     videoForm
	List     *db.VideoList
	Channel  *db.Channel // the channel filtered on, when known
	Statuses []string
	Sorts    []string
	Pager    pager
}

// videoForm holds the filter as the user wrote it, for the form.
type videoForm struct {
	Status, Channel, Site, Since, Until, Sort, Order string
}

func (s *Server) videos(r *http.Request) (string, any, error) {
	p := readParams(r.URL, "status", "channel", "site", "since", "until", "sort", "order", "page")
	f := db.VideoFilter{
		Status:  p.oneOf("status", statuses),
		Channel: p.match("channel", channelPattern(), "a channel ID (UC…) or @handle"),
		Site:    p.match("site", hostPattern(), "a host name"),
		Since:   p.date("since"),
		Until:   p.date("until"),
		Sort:    p.oneOf("sort", db.VideoSorts),
		Asc:     p.oneOf("order", []string{"asc", "desc"}) == "asc",
		Limit:   perPage,
	}
	page := p.page(maxPage)
	if p.err != nil {
		return "", nil, p.err
	}
	if !f.Until.IsZero() {
		f.Until = f.Until.AddDate(0, 0, 1) // the form's until day is included
	}
	f.Offset = (page - 1) * perPage
	l, err := s.store.Videos(r.Context(), f)
	if errors.Is(err, db.ErrBadFilter) {
		return "", nil, errBadRequest("%v", err)
	}
	if err != nil {
		return "", nil, err
	}
	data := videosPage{Filter: f, List: l, Statuses: statuses, Sorts: db.VideoSorts,
		Form: videoForm{Status: f.Status, Channel: f.Channel, Site: f.Site, Sort: r.URL.Query().Get("sort"),
			Order: r.URL.Query().Get("order"), Since: r.URL.Query().Get("since"), Until: r.URL.Query().Get("until")},
		Pager: newPager(r.URL, page, l.Total, l.More)}
	if f.Channel != "" {
		if c, err := s.store.Channel(r.Context(), f.Channel); err == nil {
			data.Channel = c
		} else if !errors.Is(err, db.ErrNotFound) {
			return "", nil, err
		}
	}
	return "videos", data, nil
}

type videoPage struct {
	V *db.VideoDetail
}

func (s *Server) video(r *http.Request) (string, any, error) {
	id := r.PathValue("id")
	if !videoIDPattern.MatchString(id) {
		return "", nil, errBadRequest("%q is not a YouTube video ID (11 letters, digits, - and _)", clip(id))
	}
	if p := readParams(r.URL); p.err != nil {
		return "", nil, p.err
	}
	v, err := s.store.Video(r.Context(), id)
	if errors.Is(err, db.ErrNotFound) {
		return "", nil, errNotFound("video %s is not in this harvest", id)
	}
	if err != nil {
		return "", nil, err
	}
	return "video", videoPage{V: v}, nil
}

type channelsPage struct {
	Channels []db.Channel
	Total    int
	Sort     string
	Sorts    []string
	Pager    pager
}

func (s *Server) channels(r *http.Request) (string, any, error) {
	p := readParams(r.URL, "sort", "page")
	sort := p.oneOf("sort", db.ChannelSorts)
	page := p.page(maxPage)
	if p.err != nil {
		return "", nil, p.err
	}
	cs, total, err := s.store.Channels(r.Context(), sort, perPage, (page-1)*perPage)
	if err != nil {
		return "", nil, err
	}
	if sort == "" {
		sort = db.ChannelSorts[0]
	}
	return "channels", channelsPage{Channels: cs, Total: total, Sort: sort, Sorts: db.ChannelSorts,
		Pager: newPager(r.URL, page, total, false)}, nil
}

type sitesPage struct {
	Sites []siteRow
}

type siteRow struct {
	db.Site
	BodyPercent int
	Bar         *chart // body against chrome
}

func (s *Server) sites(r *http.Request) (string, any, error) {
	if p := readParams(r.URL); p.err != nil {
		return "", nil, p.err
	}
	sites, err := s.store.Sites(r.Context(), topChannels)
	if err != nil {
		return "", nil, err
	}
	return "sites", sitesPage{Sites: siteRows(sites)}, nil
}

func siteRows(sites []db.Site) []siteRow {
	rows := make([]siteRow, len(sites))
	for i, st := range sites {
		rows[i] = siteRow{Site: st, Bar: bodyChart(st.BodyLinks, st.Links)}
		if st.Links > 0 {
			rows[i].BodyPercent = (200*st.BodyLinks + st.Links) / (2 * st.Links)
		}
	}
	return rows
}

type searchPage struct {
	Q, Channel, Since string
	Hits              []db.Hit
	Searched          bool
	Window            int // db.SearchWindow, for the note
}

func (s *Server) search(r *http.Request) (string, any, error) {
	p := readParams(r.URL, "q", "channel", "since")
	data := searchPage{Q: p.str("q", 500), Channel: p.match("channel", channelPattern(), "a channel ID (UC…) or @handle"),
		Window: db.SearchWindow}
	since := p.date("since")
	if p.err != nil {
		return "", nil, p.err
	}
	data.Since = r.URL.Query().Get("since")
	if data.Q == "" {
		return "search", data, nil
	}
	hits, err := s.store.Search(r.Context(), db.SearchQuery{Text: data.Q, Channel: data.Channel, Since: since, Limit: perPage})
	if errors.Is(err, db.ErrBadQuery) {
		return "", nil, errBadRequest("%v (put phrases in double quotes; operators are AND, OR, NOT, NEAR)", err)
	}
	if err != nil {
		return "", nil, err
	}
	data.Hits, data.Searched = hits, true
	return "search", data, nil
}

type vanishedPage struct {
	Videos []db.VanishedVideo
	Total  int
	Since  string
	Pager  pager
}

func (s *Server) vanished(r *http.Request) (string, any, error) {
	p := readParams(r.URL, "since", "page")
	since := p.date("since")
	page := p.page(maxPage)
	if p.err != nil {
		return "", nil, p.err
	}
	vs, total, err := s.store.Vanished(r.Context(), since, perPage, (page-1)*perPage)
	if err != nil {
		return "", nil, err
	}
	return "vanished", vanishedPage{Videos: vs, Total: total, Since: r.URL.Query().Get("since"),
		Pager: newPager(r.URL, page, total, false)}, nil
}

// pager links the pages of a list, keeping the other parameters.
type pager struct {
	Page, Pages int
	More        bool // Pages is a lower bound
	Prev, Next  string
}

func newPager(u *url.URL, page, total int, more bool) pager {
	pg := pager{Page: page, Pages: max(1, (total+perPage-1)/perPage), More: more}
	link := func(n int) string {
		q := u.Query()
		if n == 1 {
			q.Del("page")
		} else {
			q.Set("page", strconv.Itoa(n))
		}
		return u.Path + "?" + q.Encode()
	}
	if page > 1 {
		pg.Prev = link(page - 1)
	}
	if page < pg.Pages || more && page < maxPage {
		pg.Next = link(page + 1)
	}
	return pg
}
