package youtube

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// DefaultDoctorVideo is the public video `ytharvest doctor` asks for
// unless told another: "Me at the zoo", YouTube's first, with captions.
const DefaultDoctorVideo = "jNQXAC9IVRw"

// Check is one line of `ytharvest doctor`: what was checked, and with
// what outcome.
type Check struct {
	Check  string `json:"check"`  // egress, client, captions, data_api, oembed (database: cmd's)
	Target string `json:"target"` // the egress's label, the identity, ...
	Status string `json:"status"` // OK, WARN (a harvest goes on), FAILED (a harvest would fail)
	Reason string `json:"reason,omitempty"`
	Fix    string `json:"fix,omitempty"`
	// Kind says how a FAILED check fails a harvest: blocked, refused or
	// error; it picks doctor's exit code.
	Kind string `json:"kind,omitempty"`
}

// Doctor checks, with as few requests as it can, what a harvest needs:
// each client identity (in order, through the first egress that
// answers), each egress (as the first identity YouTube accepts), a
// caption track of the video, the Data API key and its quota, oEmbed.
// It makes one player request per identity and per egress, benches
// nothing and retires nothing: it only reports.
func (s *Source) Doctor(ctx context.Context, video string) []Check {
	if video == "" {
		video = DefaultDoctorVideo
	}
	_ = s.pool.load(ctx)
	d := &doctor{s: s, ctx: ctx, video: video, asked: make(map[*egress]probe)}
	out := d.clients()
	first, ok := s.firstAccepted(out)
	egresses := d.egresses(first, ok)
	out = append(out, egresses...)
	captions := s.doctorCaptions(ctx, d.good)
	if captions.Kind == "blocked" && upEgresses(egresses) > 1 {
		// A harvest benches that egress and fetches through the others.
		captions.Status, captions.Kind = "WARN", ""
		captions.Reason += "; a harvest benches that egress and goes on through the others"
	}
	out = append(out, captions)
	if c, ok := s.doctorAPI(ctx, video); ok {
		out = append(out, c)
	}
	return append(out, s.doctorOEmbed(ctx, video))
}

// doctor is one run of Doctor: the player requests made so far.
type doctor struct {
	s     *Source
	ctx   context.Context
	video string
	asked map[*egress]probe // the first request through each egress
	good  *probe            // a request answered ok, for the caption check
}

// ask makes one player request through e as id.
func (d *doctor) ask(e *egress, id Identity) probe {
	a := d.s.askPlayer(d.ctx, e, id, d.video)
	p := probe{e: e, id: id, a: a}
	if why, ok := Refusal(a); ok {
		p.refuse = why
		return p
	}
	p.status, p.reason = Classify(a)
	if p.status == harvest.VideoOK && d.good == nil {
		pp := p
		d.good = &pp
	}
	return p
}

// unreached reports whether a request got no usable answer.
func unreached(p probe) bool {
	return p.refuse == "" && (p.status == harvest.VideoBlocked || p.status == harvest.VideoError)
}

// clients checks each client identity, through the first egress that
// answers.
func (d *doctor) clients() []Check {
	var via *egress
	for _, e := range d.s.pool.all {
		p := d.ask(e, d.s.clients.order[0])
		d.asked[e] = p
		if !unreached(p) {
			via = e
			break
		}
	}
	var out []Check
	for i, id := range d.s.clients.order {
		if via == nil {
			out = append(out, Check{Check: "client", Target: id.String(), Status: "FAILED",
				Reason: "not checked: no egress answered (below)"})
			continue
		}
		p := d.asked[via]
		if i > 0 {
			p = d.ask(via, id)
		}
		out = append(out, clientCheck(p.id, p.refuse, p.status, p.reason, d.video))
	}
	// A refused identity is only a warning while another is accepted.
	accepted := slices.ContainsFunc(out, func(c Check) bool { return c.Status == "OK" || c.Status == "WARN" })
	for i := range out {
		if out[i].Kind == "refused" && accepted {
			out[i].Status = "WARN"
			out[i].Reason += "; a harvest moves on to the next client"
		}
	}
	return out
}

// egresses checks each egress, as first (the first identity accepted,
// when ok) or else the first identity of the order.
func (d *doctor) egresses(first Identity, ok bool) []Check {
	var out []Check
	for _, e := range d.s.pool.all {
		p, done := d.asked[e]
		if !done || p.refuse != "" && ok {
			if ok {
				p = d.ask(e, first)
			} else {
				p = d.ask(e, d.s.clients.order[0])
			}
		}
		out = append(out, d.egressCheck(e, p))
	}
	// A failed egress is only a warning while another is up.
	up := upEgresses(out) > 0
	for i := range out {
		if out[i].Status == "FAILED" && up {
			out[i].Status = "WARN"
			out[i].Reason += "; a harvest goes on through the other egresses"
		}
	}
	return out
}

// upEgresses counts the egress rows that are OK: the egresses a harvest
// sends requests through.
func upEgresses(rows []Check) int {
	n := 0
	for _, c := range rows {
		if c.Check == "egress" && c.Status == "OK" {
			n++
		}
	}
	return n
}

// egressCheck says what a request through e found.
func (d *doctor) egressCheck(e *egress, p probe) Check {
	c := Check{Check: "egress", Target: e.label, Status: "OK", Reason: fmt.Sprintf("%s answered %s", p.id, p.status)}
	switch {
	case p.refuse != "":
		c.Reason = p.id.String() + " refused: " + p.refuse
	case p.status == harvest.VideoBlocked:
		c.Status, c.Kind = "FAILED", "blocked"
		c.Reason = "YouTube blocks it: " + p.reason
		c.Fix = "let it rest (a harvest benches it: 15 min, 1 h, 6 h), lower --youtube-rate, add --youtube-proxy egresses, or try --youtube-cookies (docs/youtube.md: Running from a server)"
	case p.status == harvest.VideoError:
		c.Status, c.Kind = "FAILED", "error"
		c.Reason = "no answer: " + p.reason
		c.Fix = "check the network, the proxy, --youtube-url"
	}
	// A bench stored by an earlier run holds whatever YouTube says now: a
	// harvest sends nothing through the egress until it ends.
	if b, until := e.benched(d.s.now()); b {
		at := until.UTC().Format(time.RFC3339)
		c.Reason = "benched until " + at + " after a block: a harvest skips it until then (now: " + c.Reason + ")"
		if c.Status != "FAILED" || c.Kind != "blocked" {
			c.Status, c.Kind = "FAILED", "blocked"
			c.Fix = "wait until " + at + ", or add --youtube-proxy egresses (docs/youtube.md: Running from a server)"
		}
	}
	return c
}

// probe is one player request of the doctor and what it says.
type probe struct {
	e      *egress
	id     Identity
	a      Answer
	status harvest.VideoStatus
	reason string
	refuse string
}

// firstAccepted is the first identity the client checks did not find
// refused.
func (s *Source) firstAccepted(rows []Check) (Identity, bool) {
	for _, id := range s.clients.order {
		refused := false
		for _, c := range rows {
			if c.Target == id.String() && c.Kind == "refused" {
				refused = true
			}
		}
		if !refused {
			return id, true
		}
	}
	return Identity{}, false
}

// clientCheck is the line for one identity's answer.
func clientCheck(id Identity, refuse string, status harvest.VideoStatus, reason, video string) Check {
	c := Check{Check: "client", Target: id.String(), Status: "OK", Reason: "video " + video + ": " + string(status)}
	switch {
	case refuse != "":
		c.Status, c.Kind, c.Reason = "FAILED", "refused", "YouTube refused it: "+refuse
		c.Fix = fmt.Sprintf("set a newer version in [youtube.client.%s] (version = \"...\", user-agent = \"...\") or drop it from --youtube-client; docs/youtube.md: When YouTube changes", id.Key)
	case status == harvest.VideoOK:
	case status.Definitive():
		c.Status = "WARN"
		c.Reason = fmt.Sprintf("video %s is %s (%s)", video, status, reason)
		c.Fix = "check with a public video: --video ID"
	default:
		c.Status, c.Kind, c.Reason = "FAILED", "error", "video "+video+": "+string(status)+": "+reason
	}
	return c
}

// doctorCaptions fetches one caption track the good answer offers. Only
// a block fails: a harvest whose captions fail otherwise records the
// transcript's status (error, unavailable) and goes on, so those are WARN.
func (s *Source) doctorCaptions(ctx context.Context, good *probe) Check {
	c := Check{Check: "captions", Target: "-", Status: "WARN"}
	if good == nil {
		c.Reason = "not checked: no player answer to take caption tracks from"
		c.Fix = "fix the checks above first"
		return c
	}
	ts, _ := Tracks(good.a.Player[0].Body)
	chosen := Choose(ts, s.captions)
	if len(chosen) == 0 && len(ts) > 0 {
		chosen = ts[:1]
	}
	if len(chosen) == 0 {
		c.Reason = "the video offers no caption track"
		c.Fix = "check with a video that has captions: --video ID"
		return c
	}
	t := chosen[0]
	c.Target = t.Language
	if NeedsPoToken(t.BaseURL) {
		c.Reason = fmt.Sprintf("%s gives caption URLs that need a proof-of-origin token", good.id)
		c.Fix = "put an app client first in --youtube-client (visionos, android, ios)"
		return c
	}
	u, err := CaptionURL(t, "json3", "")
	if err != nil {
		c.Reason = err.Error()
		return c
	}
	status, body, err := getVia(ctx, good.e, u)
	switch {
	case err != nil:
		c.Reason = "no answer: " + describe(err)
	case captionBlock(status, body) != "":
		c.Status, c.Kind, c.Reason = "FAILED", "blocked", "YouTube blocks the captions: "+captionBlock(status, body)
		c.Fix = "as for a blocked egress"
	case status != http.StatusOK:
		c.Reason = harvest.HTTPStatusText(status)
	default:
		_, segs, err := ParseTimedText(body)
		if err != nil {
			c.Reason = err.Error()
			break
		}
		c.Status, c.Reason = "OK", fmt.Sprintf("%d cues through %s as %s", len(segs), good.e.label, good.id)
	}
	return c
}

// doctorAPI asks the Data API about the video (one unit) and says how
// much of today's quota is left; ok is false without a key.
func (s *Source) doctorAPI(ctx context.Context, video string) (Check, bool) {
	if s.api == nil {
		return Check{}, false
	}
	c := Check{Check: "data_api", Target: s.api.base, Status: "OK"}
	if !s.api.usable() {
		c.Status, c.Reason = "WARN", "today's quota is spent: the player answers instead until midnight Pacific time"
		c.Fix = "raise --youtube-api-quota if the key has more, or wait"
		return c, true
	}
	vs, err := s.listVideos(ctx, []string{video})
	left, day, _, _ := s.QuotaLeft(ctx)
	// A harvest whose Data API request fails — the key refused, or no
	// answer — asks the player instead (Prefetch), and exits as it would
	// without a key: so the row is a WARN, which leaves doctor's exit
	// code alone.
	s.api.mu.Lock()
	refused := s.api.off // set by listVideos when the API refuses the key
	s.api.mu.Unlock()
	switch {
	case err != nil && refused != "":
		c.Status, c.Reason = "WARN", "the Data API refused the key ("+refused+"): a harvest uses the player instead"
		c.Fix = "check the key (console.cloud.google.com: APIs & Services, YouTube Data API v3 enabled), or drop --youtube-api-key"
	case err != nil:
		c.Status, c.Reason = "WARN", err.Error()+": a harvest uses the player instead"
		c.Fix = "check --youtube-api-url and the network"
	case vs[video] == nil:
		c.Status, c.Reason = "WARN", fmt.Sprintf("the key works, but the API does not return %s; %d units left on %s (Pacific time)", video, left, day)
	default:
		c.Reason = fmt.Sprintf("the key works; %d of %d units left on %s (Pacific time)", left, s.api.quota, day)
	}
	return c, true
}

// doctorOEmbed asks oEmbed about the video.
func (s *Source) doctorOEmbed(ctx context.Context, video string) Check {
	c := Check{Check: "oembed", Target: "-", Status: "OK"}
	e := s.pool.pick(true)
	req, err := http.NewRequest(http.MethodGet, oembedURL(video), nil)
	if err != nil {
		c.Status, c.Reason = "WARN", err.Error()
		return c
	}
	req.Header.Set("User-Agent", webUserAgent())
	ex := ask(ctx, e, req)
	o, block := parseOEmbed(ex)
	switch {
	case block != "":
		c.Status, c.Reason = "WARN", block+": a blocked run cannot record titles"
	case o == nil:
		c.Status, c.Reason = "WARN", fmt.Sprintf("no answer for %s (%s)", video, orDefault(describe(ex.Err), harvest.HTTPStatusText(ex.Status)))
	default:
		c.Reason = fmt.Sprintf("%q by %s", o.Title, o.ChannelTitle)
	}
	return c
}
