-- Schema v4: a host's turn, claimed by the request in flight.
--
-- Every request of the workers claims its host's turn first: a slice's own
-- pages, and the redirects other hosts' slices follow to it. The claim
-- holds until the request's outcome is stored (then NULL, and
-- next_fetch_at says when the next may start), or lapses at claimed_until
-- when its worker died meanwhile. SQLite's crawl runs in one process and
-- keeps turns in memory.
ALTER TABLE hosts ADD COLUMN claimed_until timestamptz;
