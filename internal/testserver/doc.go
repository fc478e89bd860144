// Package testserver holds the fakes that tests and `make demo` run on
// loopback instead of the internet: a news site served from a directory
// (Site) and a fake YouTube answering what kkdai/youtube asks (YouTube).
package testserver
