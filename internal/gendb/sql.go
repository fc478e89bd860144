package gendb

// statements fill the database. Parameters: ?1 videos, ?2 links, ?3
// pages, ?4 hosts, ?5 channels, ?6 videos with transcripts, ?7 days,
// ?8 the latest time. Time t (days before the end, fractional) is
// strftime('%Y-%m-%dT%H:%M:%fZ', ?8, '-' || t || ' days').
var statements = []string{
	`CREATE TEMP TABLE words (k INTEGER PRIMARY KEY, w TEXT NOT NULL)`,
	`INSERT INTO temp.words (k, w) SELECT key, value FROM json_each('["budget","flood","election","summit","minister","protest","storm","court","council","school","hospital","bridge","strike","market","energy","climate","festival","football","police","harbour","railway","museum","farmers","border","treaty","vaccine","wildfire","drought","housing","pension"]')`,
	// Hosts: host i of n gets a share of the pages that falls with i.
	`CREATE TEMP TABLE gen_hosts AS
	 WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?4)
	 SELECT i AS k, printf('news%02d.example', i) AS host FROM n`,
	`INSERT INTO hosts (host, pages_seen) SELECT host, 0 FROM temp.gen_hosts`,
	// Pages: a skewed host (squares favour low numbers), a first-seen time
	// spread over the days.
	`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?3)
	 INSERT INTO pages (id, url, host, host_seq, depth, state, http_status, content_type, title, first_seen_at, fetched_at, fetch_count, kind)
	 SELECT i, 'https://' || h.host || '/articles/' || i, h.host, i, 1, 'fetched', 200, 'text/html',
	        'Article ' || i || ' about the ' || (SELECT w FROM temp.words WHERE k = n.i % 30),
	        strftime('%Y-%m-%dT%H:%M:%fZ', ?8, '-' || (((?3 - i) * ?7 * 1.0) / ?3) || ' days'),
	        strftime('%Y-%m-%dT%H:%M:%fZ', ?8, '-' || (((?3 - i) * ?7 * 1.0) / ?3) || ' days'), 1, 'html'
	 FROM n JOIN temp.gen_hosts h ON h.k = ((i * 7919) % 1000) * ((i * 7919) % 1000) * ?4 / 1000000`,
	// Videos: about 85% ok; the rest pending, private, removed,
	// unplayable, age-restricted. Titles and descriptions from the words.
	`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
	 INSERT INTO videos (id, status, status_reason, title, description, channel_id, channel_title, channel_handle,
	                     duration_seconds, view_count, published_at, first_seen_at, fetched_at, attempted_at, fetch_attempts)
	 SELECT printf('v%010d', i),
	        CASE WHEN i % 100 < 85 THEN 'ok' WHEN i % 100 < 88 THEN 'pending' WHEN i % 100 < 91 THEN 'private'
	             WHEN i % 100 < 95 THEN 'removed' WHEN i % 100 < 98 THEN 'unplayable' ELSE 'age_restricted' END,
	        CASE WHEN i % 100 BETWEEN 88 AND 99 THEN 'This video is unavailable' END,
	        CASE WHEN i % 100 NOT BETWEEN 85 AND 87 THEN 'The ' || (SELECT w FROM temp.words WHERE k = n.i % 30) || ' story, part ' || i END,
	        CASE WHEN i % 100 NOT BETWEEN 85 AND 87 THEN 'What happened with the ' || (SELECT w FROM temp.words WHERE k = (n.i / 30) % 30)
	             || ' and the ' || (SELECT w FROM temp.words WHERE k = (n.i / 7) % 30) || '.' END,
	        CASE WHEN i % 100 NOT BETWEEN 85 AND 87 THEN printf('UC%022d', (i * i) % ?5) END,
	        CASE WHEN i % 100 NOT BETWEEN 85 AND 87 THEN 'Channel ' || ((i * i) % ?5) END,
	        CASE WHEN i % 100 NOT BETWEEN 85 AND 87 THEN '@channel' || ((i * i) % ?5) END,
	        60 + i % 1800, i * 37 % 1000000,
	        strftime('%Y-%m-%dT%H:%M:%fZ', ?8, '-' || (((?1 - i) * ?7 * 1.0) / ?1 + 1) || ' days'),
	        strftime('%Y-%m-%dT%H:%M:%fZ', ?8, '-' || (((?1 - i) * ?7 * 1.0) / ?1) || ' days'),
	        CASE WHEN i % 100 NOT BETWEEN 85 AND 87 THEN strftime('%Y-%m-%dT%H:%M:%fZ', ?8, '-' || (((?1 - i) * ?7 * 1.0) / ?1) || ' days', '+1 minutes') END,
	        strftime('%Y-%m-%dT%H:%M:%fZ', ?8, '-' || (((?1 - i) * ?7 * 1.0) / ?1) || ' days', '+1 minutes'), 1
	 FROM n`,
	// Links: Links/Pages a page, the k-th link of page p (link i = p +
	// k*Pages) to a video first seen a little before the page (videos are
	// numbered in first-seen order), at an offset distinct for each k; one
	// link in 50 goes instead, as an anchor, to one of 100 popular videos.
	// OR IGNORE drops the rare repeat of one reference on one page.
	`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
	 INSERT OR IGNORE INTO links (page_id, ref_type, ref_id, video_id, kind, url, start_seconds, context, in_body, first_seen_at, last_seen_at)
	 SELECT p.id, 'video', v.id, v.id,
	        CASE WHEN hot THEN 'anchor' ELSE CASE i % 6 WHEN 0 THEN 'text' WHEN 1 THEN 'lazy_iframe' WHEN 2 THEN 'thumbnail' ELSE 'iframe' END END,
	        'https://www.youtube.com/watch?v=' || v.id, NULLIF(i % 5 * 30, 0),
	        'See the ' || (SELECT w FROM temp.words WHERE k = n.i % 30) || ' video', (i % 4 <> 0),
	        p.first_seen_at, strftime('%Y-%m-%dT%H:%M:%fZ', p.first_seen_at, '+' || (i % 20) || ' days')
	 FROM (SELECT i, ((i * 2654435761) >> 7) % 50 = 0 AS hot FROM n) n
	 JOIN pages p ON p.id = 1 + (i - 1) % ?3
	 JOIN videos v ON v.id = printf('v%010d', CASE WHEN hot THEN 1 + ((i * 2654435761) >> 12) % 100 * (?1 / 100)
	      ELSE max(1, p.id * ?1 / ?3 - ((i - 1) / ?3) * 9 - (i * 2654435761) % 9) END)`,
	// Top up to exactly ?2 links: the rare repeats dropped above come
	// back as meta references of the first pages to the last videos.
	`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2 - (SELECT count(*) FROM links))
	 INSERT INTO links (page_id, ref_type, ref_id, video_id, kind, url, in_body, first_seen_at, last_seen_at)
	 SELECT p.id, 'video', v.id, v.id, 'meta', 'https://www.youtube.com/watch?v=' || v.id, 0, p.first_seen_at, p.first_seen_at
	 FROM n JOIN pages p ON p.id = i JOIN videos v ON v.id = printf('v%010d', ?1 + 1 - i)`,
	// One ok video in a hundred vanishes later: removed, private or
	// unplayable, a few days after it was first fetched.
	`UPDATE videos SET status = CASE rowid % 3 WHEN 0 THEN 'removed' WHEN 1 THEN 'private' ELSE 'unplayable' END,
	        status_reason = 'This video is no longer available',
	        fetched_at = strftime('%Y-%m-%dT%H:%M:%fZ', fetched_at, '+' || (rowid % 9 + 1) || ' days')
	 WHERE status = 'ok' AND rowid % 100 = 42`,
	// Transcripts for every (videos / transcripts)-th video from the
	// first (ok with the default sizes), 20 segments each.
	`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?6)
	 INSERT INTO transcripts (video_id, language, is_generated, source, fetched_at, text)
	 SELECT printf('v%010d', (i - 1) * (?1 / ?6) + 1), 'en', i % 2, 'timedtext:json3', ?8, ''
	 FROM n`,
	`WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 19)
	 INSERT INTO transcript_segments (transcript_id, video_id, language, start_ms, duration_ms, text)
	 SELECT t.id, t.video_id, 'en', j * 4000, 4000,
	        'and then the ' || (SELECT w FROM temp.words WHERE k = (t.id + j) % 30) || ' came up with the '
	        || (SELECT w FROM temp.words WHERE k = (t.id * 7 + j * 3) % 30) || ' again'
	 FROM transcripts t, k ORDER BY t.id, j`,
	`UPDATE transcripts SET text = (SELECT group_concat(text, ' ') FROM transcript_segments s WHERE s.transcript_id = transcripts.id)`,
	`UPDATE videos SET transcript_status = 'ok' WHERE id IN (SELECT video_id FROM transcripts)`,
	// One run a day.
	`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?7)
	 INSERT INTO runs (command, started_at, finished_at, status, seeds, pages_fetched, new_videos, videos_fetched)
	 SELECT 'crawl', strftime('%Y-%m-%dT%H:%M:%fZ', ?8, '-' || (?7 - i) || ' days'),
	        strftime('%Y-%m-%dT%H:%M:%fZ', ?8, '-' || (?7 - i) || ' days', '+20 minutes'), 'ok', ?4, ?3 / ?7, ?1 / ?7, ?1 / ?7
	 FROM n`,
}
