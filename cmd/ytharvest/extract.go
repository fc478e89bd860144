package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/harvest/crawl"
	"github.com/harvestdev/ytharvest/harvest/extract"
)

const extractSummary = `Usage: ytharvest extract [flags] URL|FILE|-

Prints the YouTube references one page makes — videos, playlists and
channels, how each is made (iframe, anchor, text, script, meta...), its
start time, and whether it sits in the article body — without a database.
A URL is fetched; a FILE, or standard input for "-", is read, and --base
gives the URL its relative links resolve against (without it, links that
start with // are taken as https). Text pages — a URL served as text/plain
or text/markdown, a .txt or .md file, or any file with --text — are
scanned for pasted URLs. Like the crawler, it parses at most the first
200,000 tags of a page. The crawler stores the same references in the
links table.`

const extractExamples = `  ytharvest extract https://news.example/2026/11/state-visit
  ytharvest extract --json --base https://news.example/a/ saved-page.html | jq '.references[].id'
  curl -s https://news.example/ | ytharvest extract --base https://news.example/ -
`

// extractOutput is the --json shape.
type extractOutput struct {
	URL        string          `json:"url"`
	Title      string          `json:"title,omitempty"`
	References []jsonReference `json:"references"`
}

type jsonReference struct {
	Type         string `json:"type"`
	ID           string `json:"id"`
	Kind         string `json:"kind"`
	StartSeconds int    `json:"start_seconds"`
	PlaylistID   string `json:"playlist_id"`
	Context      string `json:"context"`
	InBody       bool   `json:"in_body"`
	URL          string `json:"url,omitempty"`
}

func (a *app) extract(ctx context.Context, args []string) error {
	fs := a.newFlagSet("extract", extractSummary, extractExamples)
	asJSON := fs.Bool("json", false, "print one JSON object: {\"url\", \"references\": [...]}")
	baseFlag := fs.String("base", "", "resolve a file's relative links against this `URL`")
	timeout := fs.Duration("timeout", 30*time.Second, "time limit for fetching a URL")
	asText := fs.Bool("text", false, "read the FILE or standard input as plain text, not HTML (the default for .txt and .md files)")
	maxBody := bytesFlag(10 << 20)
	fs.Var(&maxBody, "max-body", "read at most `SIZE` of the page")
	pos, err := a.parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("extract takes one URL, FILE or - (see ytharvest help extract)")
	}
	d := document{source: pos[0], text: *asText}
	if *baseFlag != "" {
		if d.base, err = url.Parse(*baseFlag); err != nil || !d.base.IsAbs() {
			return usageError("--base %q: want an absolute URL", *baseFlag)
		}
	}
	if u, perr := url.Parse(d.source); perr == nil && (u.Scheme == "http" || u.Scheme == "https") {
		err = a.fetchDocument(ctx, &d, *timeout, int64(maxBody))
	} else {
		err = a.readDocument(&d, int64(maxBody))
	}
	if err != nil {
		return err
	}
	out, err := a.references(&d)
	if err != nil {
		return err
	}
	return a.printReferences(out, *asJSON)
}

// document is the page extract reads: its body in UTF-8, whether it is
// text rather than HTML, and the URL its links resolve against.
type document struct {
	source string // the URL, FILE or - given
	base   *url.URL
	text   bool
	body   []byte
}

// fetchDocument fetches d.source as a crawl would.
func (a *app) fetchDocument(ctx context.Context, d *document, timeout time.Duration, maxBody int64) error {
	f := crawl.NewFetcher(&http.Client{Transport: a.httpTransport(), Timeout: timeout}, defaultUserAgent(projectURL), maxBody, nil)
	r, err := f.Fetch(ctx, harvest.Request{URL: d.source})
	if err != nil {
		return err
	}
	if r.Status != http.StatusOK {
		return fmt.Errorf("fetch %s: %s", d.source, harvest.HTTPStatusText(r.Status))
	}
	if !r.HTML && r.Kind != harvest.DocText {
		return fmt.Errorf("fetch %s: %w (Content-Type %q)", d.source, harvest.ErrNotHTML, r.ContentType)
	}
	d.body, d.text = r.Body, r.Kind == harvest.DocText
	if d.base == nil {
		d.base, _ = url.Parse(r.FinalURL)
	}
	return nil
}

// readDocument reads d.source, a file or standard input ("-"); .txt and
// .md files are text.
func (a *app) readDocument(d *document, maxBody int64) error {
	in := a.stdin
	if d.source != "-" {
		f, err := os.Open(d.source)
		if err != nil {
			return usageError("%v", err)
		}
		defer f.Close()
		in = f
		switch strings.ToLower(filepath.Ext(d.source)) {
		case ".txt", ".text", ".md", ".markdown":
			d.text = true
		}
	}
	raw, err := io.ReadAll(io.LimitReader(in, maxBody))
	if err != nil {
		return fmt.Errorf("read %s: %w", d.source, err)
	}
	if d.body, err = crawl.ToUTF8(raw, ""); err != nil {
		return fmt.Errorf("read %s: %w", d.source, err)
	}
	return nil
}

// references extracts d as a crawl would: at most harvest.MaxTags tags of
// an HTML page, text pages scanned for pasted URLs.
func (a *app) references(d *document) (extractOutput, error) {
	out := extractOutput{References: []jsonReference{}}
	base := d.base
	if base != nil {
		out.URL = base.String()
	} else {
		// No page URL: a link that starts with // is taken as https, as a
		// browser showing the page over https would; relative links stay
		// unresolved (they cannot name YouTube).
		base = &url.URL{Scheme: "https"}
	}
	var x *harvest.Extraction
	var err error
	if d.text {
		x, err = extract.ExtractText(base, d.body)
	} else {
		parsed, truncated := harvest.LimitTags(d.body)
		if truncated {
			fmt.Fprintf(a.stderr, "ytharvest: the page has more than %d tags; the rest is not read, as in a crawl\n", harvest.MaxTags)
		}
		x, err = extract.Extract(base, bytes.NewReader(parsed))
	}
	if err != nil {
		return out, err
	}
	out.Title = x.Title
	for _, r := range x.Refs {
		out.References = append(out.References, jsonReference{
			Type: string(r.Type), ID: r.ID, Kind: r.Kind, StartSeconds: r.StartSeconds,
			PlaylistID: r.PlaylistID, Context: r.Context, InBody: r.InBody, URL: r.URL,
		})
	}
	return out, nil
}

// printReferences prints out as a table, or as JSON.
func (a *app) printReferences(out extractOutput, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tID\tKIND\tSTART\tBODY\tCONTEXT")
	for _, r := range out.References {
		start := ""
		if r.StartSeconds > 0 {
			start = strconv.Itoa(r.StartSeconds) + "s"
		}
		body := "chrome"
		if r.InBody {
			body = "body"
		}
		context, _ := cell(r.Context) // --json has it whole
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Type, r.ID, r.Kind, start, body, context)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(out.References) == 0 {
		fmt.Fprintln(a.stderr, "no YouTube references found")
	}
	return nil
}
