// Package harvest is the domain of ytharvest: the types that flow through
// the pipeline (Page, Reference, Video), the interfaces between its stages
// (Store, Fetcher, ExtractFunc, Scope, Robots, VideoSource) and the orchestration that drives
// them (Harvester.Run).
//
// harvest imports none of its subpackages: extract, crawl and youtube
// implement the stage interfaces, db implements Store, and cmd/ytharvest
// wires the concrete pieces together. Every stage can therefore be replaced
// by a fake in tests.
package harvest
