// Package harvest is the domain of ytharvest: the types that flow through
// the pipeline (Page, Reference, Video), the interfaces between its stages
// and the orchestration that drives them (Harvester.Run).
//
// harvest imports none of its subpackages: extract, crawl and youtube
// implement the stage interfaces, db implements the stores, and
// cmd/ytharvest wires the concrete pieces together. Every stage can
// therefore be replaced by a fake in tests.
//
// The files:
//
//	harvest.go    the domain types: Page, Reference, Video, Transcript...
//	stage.go      the interfaces: RunLog, Frontier, VideoStore (the stores),
//	              Fetcher, ExtractFunc, Scope, Robots, VideoSource
//	harvester.go  Harvester: a run's lifecycle (Run, Refresh, FetchVideos)
//	crawler.go    the crawl loop: take pages, schedule, fetch, store in batches
//	page.go       one page: robots.txt, fetch, extract, plan the next fetch
//	schedule.go   per-host politeness: delay, host concurrency, Retry-After
//	seen.go       the run's set of URLs already handed to the frontier
//	videos.go     the video stage: claim, fetch, transcripts, the breaker
//	single.go     one page, one video: for stores whose workers take work item by item
package harvest
