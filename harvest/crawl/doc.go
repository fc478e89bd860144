// Package crawl holds the crawler's policy and I/O: URL normalisation and
// scope (which links join the frontier) and the page fetcher (timeouts,
// redirects, body size limit, content-type sniffing, charset conversion).
// The frontier itself lives in the database (harvest.Store).
package crawl
