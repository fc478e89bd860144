package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/harvest/extract"
	"github.com/harvestdev/ytharvest/harvest/youtube"
)

// youtubeFlags are the flags of every command that talks to YouTube.
type youtubeFlags struct {
	url                string
	concurrency        int
	rate               float64
	refreshAfter       time.Duration
	noTranscripts      bool
	langs              string
	preferGenerated    bool
	allLanguages       bool
	translateTo        string
	transcriptFallback bool
	refetchTranscripts bool
	expandPlaylists    bool
	maxPlaylistVideos  int
	timeout            time.Duration
	egress             egressFlags // youtube.go: proxies, cookies, clients, the Data API
}

func (y *youtubeFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&y.url, "youtube-url", getenv("YTHARVEST_YOUTUBE_URL"),
		"send every request meant for www.youtube.com to this base `URL` instead: a mirror, a recording proxy, or a fake (env YTHARVEST_YOUTUBE_URL)")
	fs.IntVar(&y.concurrency, "youtube-concurrency", 2, "videos fetched from YouTube at once")
	fs.Float64Var(&y.rate, "youtube-rate", 1, "YouTube requests per second through each egress (direct, each --youtube-proxy), over all videos (0 = no limit)")
	fs.DurationVar(&y.refreshAfter, "refresh-after", 7*24*time.Hour, "re-fetch video metadata older than this")
	fs.BoolVar(&y.noTranscripts, "no-transcripts", false, "fetch video metadata only, no transcripts")
	fs.StringVar(&y.langs, "lang", "en", "transcript `LANGUAGES` in order of preference, comma-separated (en matches en-GB too)")
	fs.BoolVar(&y.preferGenerated, "prefer-generated", false, "take YouTube's auto-generated captions over manual ones of the same language")
	fs.BoolVar(&y.allLanguages, "all-languages", false, "fetch every caption track, whatever --lang says")
	fs.StringVar(&y.translateTo, "translate-to", "", "when no track is in --lang, ask YouTube to translate one into this `LANGUAGE`")
	fs.BoolVar(&y.transcriptFallback, "transcript-fallback", false, "when no caption track can be fetched, try kkdai's get_transcript endpoint (auto-generated captions only)")
	fs.BoolVar(&y.refetchTranscripts, "refetch-transcripts", false, "fetch the transcripts of videos that already have one again (once this run)")
	fs.DurationVar(&y.timeout, "youtube-timeout", youtube.DefaultTimeout, "give up on one YouTube request after this long (the video is recorded error, and tried again next run)")
	y.egress.register(fs, getenv)
}

// registerPlaylists registers the flags of the commands that fetch what
// pages reference (crawl, refresh): video fetches the videos it is given.
func (y *youtubeFlags) registerPlaylists(fs *flag.FlagSet) {
	fs.BoolVar(&y.expandPlaylists, "expand-playlists", false, "list the videos of the playlists pages reference, link each to the page (kind playlist_member) and fetch them")
	fs.IntVar(&y.maxPlaylistVideos, "max-playlist-videos", 200, "with --expand-playlists, at most `N` videos of one playlist (0 = all)")
}

func (y *youtubeFlags) validate() error {
	switch {
	case y.concurrency < 1:
		return usageError("--youtube-concurrency must be at least 1")
	case y.rate < 0 || y.refreshAfter < 0 || y.maxPlaylistVideos < 0:
		return usageError("--youtube-rate, --refresh-after and --max-playlist-videos must not be negative")
	case y.timeout <= 0:
		return usageError("--youtube-timeout must be positive")
	}
	return y.egress.validate()
}

// source builds the YouTube client. Its traffic goes around the
// private-address guard: --youtube-url may well name a mirror on the
// local network.
func (y *youtubeFlags) source(a *app, store youtube.Store) (*youtube.Source, error) {
	s, err := youtube.New(youtube.Options{
		Proxies:     y.egress.proxyURLs,
		Cookies:     y.egress.jar,
		Clients:     y.egress.idents,
		WatchPage:   y.egress.watchPage,
		Store:       store,
		API:         youtube.APIOptions{Key: y.egress.apiKey, URL: y.egress.apiURL, Quota: y.egress.apiQuota},
		BaseURL:     y.url,
		Transport:   a.httpTransport(),
		Concurrency: y.concurrency,
		Rate:        y.rate,
		Timeout:     y.timeout,
		Log:         a.log,
		Captions: youtube.Choice{Langs: strings.Split(y.langs, ","), PreferGenerated: y.preferGenerated,
			All: y.allLanguages, TranslateTo: y.translateTo},
		TranscriptFallback: y.transcriptFallback,
	})
	if err != nil {
		return nil, usageError("--youtube-url: %v", err)
	}
	return s, nil
}

// options are recorded with the run.
func (y *youtubeFlags) options() map[string]any {
	return map[string]any{
		"url": y.url, "concurrency": y.concurrency, "rate": y.rate, "refresh_after": y.refreshAfter.String(),
		"transcripts": !y.noTranscripts, "lang": y.langs, "prefer_generated": y.preferGenerated,
		"all_languages": y.allLanguages, "translate_to": y.translateTo,
		"transcript_fallback": y.transcriptFallback, "refetch_transcripts": y.refetchTranscripts,
		"expand_playlists": y.expandPlaylists, "max_playlist_videos": y.maxPlaylistVideos,
		"egresses": y.egress.labels(), "clients": y.egress.clients, "client_overrides": []string(y.egress.overrides),
		"cookies": y.egress.cookies != "", "data_api": y.egress.apiKey != "", "data_api_quota": y.egress.apiQuota,
		"watch_page": y.egress.watchPage,
	}
}

// runExit turns how a run ended into the process exit.
func runExit(run *harvest.Run, src *youtube.Source) error {
	if run.Status == harvest.RunFailed && src != nil && src.AllRefused() {
		return &codeError{code: exitRefused, err: fmt.Errorf("refused: %s", run.Error)}
	}
	switch run.Status {
	case harvest.RunBlocked:
		return &codeError{code: exitPartial, err: fmt.Errorf("partial: YouTube blocked us (%s); unfetched videos stay pending for the next run", run.Error)}
	case harvest.RunStopped:
		return &codeError{code: exitPartial, err: fmt.Errorf("partial: %s", run.Error)}
	case harvest.RunInterrupted:
		return &codeError{code: exitInterrupted, err: errors.New("interrupted; committed work is kept and the next run resumes")}
	case harvest.RunFailed:
		return &codeError{code: exitFailed, err: fmt.Errorf("failed: %s", run.Error)}
	}
	return nil
}

const videoSummary = `Usage: ytharvest video [flags] ID|URL...

Fetches the metadata (and transcripts) of the given videos now, whatever
the database says about them, with the same statuses, rate limit and
circuit breaker as a crawl. A video may be named by its 11-character ID or
any YouTube URL for it.`

const refreshSummary = `Usage: ytharvest refresh [flags]

Fetches, without crawling any page, the videos that are due: never
fetched, blocked or failed last time, older than --refresh-after, or
still missing a transcript.`

func (a *app) video(ctx context.Context, args []string) error {
	return a.youtubeCommand(ctx, "video", videoSummary,
		"  ytharvest video dQw4w9WgXcQ https://youtu.be/H7xQm2Lp9sA\n  ytharvest video --refetch-transcripts --lang de,en H7xQm2Lp9sA\n", args)
}

func (a *app) refresh(ctx context.Context, args []string) error {
	return a.youtubeCommand(ctx, "refresh", refreshSummary,
		"  ytharvest refresh --refresh-after 24h\n", args)
}

// youtubeCommand runs video (the videos named in args) or refresh.
func (a *app) youtubeCommand(ctx context.Context, name, summary, examples string, args []string) error {
	fs := a.newFlagSet(name, summary, examples)
	dbPath := a.dbFlag(fs)
	var yt youtubeFlags
	yt.register(fs, a.getenv)
	if name == "refresh" {
		yt.registerPlaylists(fs)
	}
	wait := fs.Bool("wait", false, "if another run holds the database, wait for it instead of exiting with code 4")
	pos, err := a.parseLogged(fs, args)
	if err != nil {
		return err
	}
	ids, err := videoArgs(name, pos)
	if err != nil {
		return err
	}
	if err := yt.validate(); err != nil {
		return err
	}
	store, closeStore, err := a.openForRun(ctx, *dbPath, *wait)
	if err != nil {
		return err
	}
	defer closeStore()
	h, videos, err := a.videoHarvester(&yt, store, len(ids))
	if err != nil {
		return err
	}
	var run *harvest.Run
	if name == "video" {
		run, err = h.FetchVideos(ctx, ids)
	} else {
		run, err = h.Refresh(ctx)
	}
	afterRun(ctx, a, store, videos, run)
	if run.ID != 0 { // recorded: a run that could not even start has nothing to say
		a.log.Info("run finished", "run", run.ID, "command", name, "status", run.Status,
			"videos_fetched", run.VideosFetched, "videos_failed", run.VideosFailed, "transcripts", run.Transcripts,
			"elapsed", run.FinishedAt.Sub(run.StartedAt).Round(time.Millisecond), "db", displayDB(*dbPath))
	}
	if err != nil {
		return err
	}
	if name != "video" {
		return runExit(run, videos)
	}
	// Say what became of each video even when a signal cut the run short
	// (ctx is done then): the run's exit code follows.
	if err := a.printVideos(context.WithoutCancel(ctx), store, ids, run.FailedVideos); err != nil {
		return err
	}
	if err := runExit(run, videos); err != nil {
		return err
	}
	if n := len(run.FailedVideos); n > 0 {
		return &codeError{code: exitFailed, err: fmt.Errorf("failed: %d of the %d videos named could not be fetched; the next run tries again", n, len(ids))}
	}
	return nil
}

// videoArgs reads the videos named to the video command (refresh takes
// none).
func videoArgs(command string, pos []string) ([]string, error) {
	switch {
	case command == "refresh" && len(pos) > 0:
		return nil, usageError("refresh takes no arguments (got %q)", pos[0])
	case command == "video" && len(pos) == 0:
		return nil, usageError("name at least one video: an ID or a YouTube URL")
	}
	var ids []string
	for _, p := range pos {
		id, err := videoID(p)
		if err != nil {
			return nil, usageError("%v", err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// videoHarvester builds the harvester of video and refresh: the video
// stage alone.
func (a *app) videoHarvester(yt *youtubeFlags, store runStore, videos int) (*harvest.Harvester, *youtube.Source, error) {
	source, err := yt.source(a, store)
	if err != nil {
		return nil, nil, err
	}
	opts, _ := json.Marshal(map[string]any{"videos": videos, "youtube": yt.options()})
	return &harvest.Harvester{
		Runs: store, Frontier: store, VideoStore: store,
		Videos:             source,
		Log:                a.log,
		VideoConcurrency:   yt.concurrency,
		RefreshAfter:       yt.refreshAfter,
		Transcripts:        !yt.noTranscripts,
		RefetchTranscripts: yt.refetchTranscripts,
		ExpandPlaylists:    yt.expandPlaylists,
		MaxPlaylistVideos:  yt.maxPlaylistVideos,
		Options:            string(opts),
		Version:            buildVersion(),
	}, source, nil
}

// videoID reads a video ID, or a YouTube URL naming one.
func videoID(s string) (string, error) {
	if extract.ValidVideoID(s) {
		return s, nil
	}
	u := s
	if !strings.Contains(u, "://") && !strings.HasPrefix(u, "//") {
		u = "https://" + u
	}
	if r, ok := extract.ParseURL(u); ok && r.Type == harvest.RefVideo {
		return r.ID, nil
	}
	return "", fmt.Errorf("%q is neither a video ID (11 characters of A-Z a-z 0-9 _ -) nor a YouTube video URL", s)
}

// printVideos says what became of each video, one line each. A video
// whose fetch failed this run says so, whatever it kept from before.
func (a *app) printVideos(ctx context.Context, store runStore, ids []string, failed map[string]string) error {
	vs, err := store.VideoSummaries(ctx, ids)
	if err != nil {
		return err
	}
	for _, v := range vs {
		line := fmt.Sprintf("%s  %-14s", v.ID, v.Status)
		if v.Title != "" {
			line += "  " + v.Title
		}
		if v.Reason != "" && v.Status != harvest.VideoOK {
			line += "  (" + v.Reason + ")"
		}
		if v.Status == harvest.VideoOK {
			line += "  [transcript: " + cmp.Or(string(v.TranscriptStatus), "-") + "]"
		}
		if why, ok := failed[v.ID]; ok && v.Status != harvest.VideoError {
			line += "  (this fetch failed: " + why + "; what was known is kept)"
		}
		fmt.Fprintln(a.stdout, line)
	}
	return nil
}
