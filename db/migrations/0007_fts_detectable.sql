-- Schema v7: full-text indexes that sqlite-utils and Datasette find, a
-- declared foreign key from transcript segments to their video, and views
-- named for the questions the cookbook (docs/schema.md) asks most.

-- Both tools find a table's full-text index by looking in sqlite_schema
-- for a virtual table whose SQL matches, with LIKE,
--   %VIRTUAL TABLE%USING FTS%content="TABLE"%   (sqlite-utils, Datasette)
--   %VIRTUAL TABLE%USING FTS%content=[TABLE]%   (sqlite-utils, newer Datasette)
-- (sqlite-utils 3.30 Table.detect_fts; Datasette utils.detect_fts_sql).
-- 0005 wrote content='TABLE', which neither pattern matches, so neither
-- tool offered search on our tables. FTS5 reads the three quotings alike;
-- only the declaration changes. The double quotes are the form every
-- release of both tools matches, and there must be no space around the =.
-- Columns keep the content tables' names (sqlite-utils and Datasette's
-- ?_search_COLUMN= name them so) and the triggers keep sqlite-utils' names
-- (<table>_ai, _ad, _au). A virtual table's declaration cannot be altered,
-- so both indexes are dropped, declared again and rebuilt from their
-- content tables: every row indexed before is indexed again, and
-- `ytharvest search` reads them with the same names, columns and
-- tokenizer. With the table rebuild below, migrating a 250 MB database
-- (1,000,000 segments of 50,000 videos) took 9 s, once.
DROP TRIGGER transcript_segments_ai;
DROP TRIGGER transcript_segments_ad;
DROP TRIGGER transcript_segments_au;
DROP TABLE transcript_segments_fts;
DROP TRIGGER videos_ai;
DROP TRIGGER videos_ad;
DROP TRIGGER videos_au;
DROP TABLE videos_fts;

-- transcript_segments.video_id gets its foreign key (Datasette links a
-- segment to its video through it). A constraint cannot be added to a
-- table, so the table is rebuilt: the old one is renamed out of the way,
-- so that the new one's declaration reads as written, and its rows, ids
-- included, copied in order. Nothing references transcript_segments (its
-- triggers are dropped above), so the rename rewrites nothing else. Every
-- segment's video exists: its transcript's foreign key requires it.
ALTER TABLE transcript_segments RENAME TO transcript_segments_v6;
CREATE TABLE transcript_segments (
  id            INTEGER PRIMARY KEY,
  transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
  video_id      TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
  language      TEXT NOT NULL,
  start_ms      INTEGER NOT NULL,
  duration_ms   INTEGER NOT NULL,
  text          TEXT NOT NULL
) STRICT;
INSERT INTO transcript_segments (id, transcript_id, video_id, language, start_ms, duration_ms, text)
SELECT id, transcript_id, video_id, language, start_ms, duration_ms, text
FROM transcript_segments_v6 ORDER BY id;
DROP TABLE transcript_segments_v6;
CREATE INDEX transcript_segments_by_transcript ON transcript_segments(transcript_id, start_ms);
CREATE INDEX transcript_segments_by_video ON transcript_segments(video_id, language, start_ms);

CREATE VIRTUAL TABLE transcript_segments_fts USING fts5(
  text, content="transcript_segments", content_rowid="id",
  tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER transcript_segments_ai AFTER INSERT ON transcript_segments BEGIN
  INSERT INTO transcript_segments_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER transcript_segments_ad AFTER DELETE ON transcript_segments BEGIN
  INSERT INTO transcript_segments_fts(transcript_segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER transcript_segments_au AFTER UPDATE OF text ON transcript_segments BEGIN
  INSERT INTO transcript_segments_fts(transcript_segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO transcript_segments_fts(rowid, text) VALUES (new.id, new.text);
END;
INSERT INTO transcript_segments_fts(transcript_segments_fts) VALUES ('rebuild');

-- videos has a TEXT primary key, so the index follows its implicit rowid,
-- as sqlite-utils' would (content_rowid defaults to rowid).
CREATE VIRTUAL TABLE videos_fts USING fts5(
  title, description, content="videos",
  tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER videos_ai AFTER INSERT ON videos BEGIN
  INSERT INTO videos_fts(rowid, title, description) VALUES (new.rowid, new.title, new.description);
END;
CREATE TRIGGER videos_ad AFTER DELETE ON videos BEGIN
  INSERT INTO videos_fts(videos_fts, rowid, title, description) VALUES ('delete', old.rowid, old.title, old.description);
END;
-- Only title and description changes touch the index: a video row is
-- updated on every fetch attempt.
CREATE TRIGGER videos_au AFTER UPDATE OF title, description ON videos BEGIN
  INSERT INTO videos_fts(videos_fts, rowid, title, description) VALUES ('delete', old.rowid, old.title, old.description);
  INSERT INTO videos_fts(rowid, title, description) VALUES (new.rowid, new.title, new.description);
END;
INSERT INTO videos_fts(videos_fts) VALUES ('rebuild');

-- Views named for what they answer, with the column names of video_pages.

-- How many pages, and on how many sites, reference each video (0 for a
-- video fetched with `ytharvest video` and referenced by no page).
CREATE VIEW video_page_counts AS
SELECT v.id AS video_id, v.title AS video_title, v.channel_id, v.channel_title,
       v.status AS video_status,
       count(DISTINCT l.page_id) AS pages,
       count(DISTINCT CASE WHEN l.in_body = 1 THEN l.page_id END) AS body_pages,
       count(DISTINCT p.host) AS hosts,
       v.first_seen_at, max(l.last_seen_at) AS last_seen_at
FROM videos v
LEFT JOIN links l ON l.video_id = v.id
LEFT JOIN pages p ON p.id = l.page_id
GROUP BY v.id;

-- How many videos each page references.
CREATE VIEW page_video_counts AS
SELECT p.id AS page_id, p.url AS page_url, p.title AS page_title, p.host,
       count(DISTINCT l.video_id) AS videos,
       count(DISTINCT CASE WHEN l.in_body = 1 THEN l.video_id END) AS body_videos
FROM pages p
JOIN links l ON l.page_id = p.id AND l.ref_type = 'video'
GROUP BY p.id;

-- Which channels' videos the pages reference, and how widely.
CREATE VIEW channel_page_counts AS
SELECT v.channel_id, max(v.channel_title) AS channel_title,
       max(v.channel_handle) AS channel_handle,
       count(DISTINCT v.id) AS videos,
       count(DISTINCT l.page_id) AS pages,
       count(DISTINCT p.host) AS hosts,
       min(l.first_seen_at) AS first_seen_at, max(l.last_seen_at) AS last_seen_at
FROM videos v
JOIN links l ON l.video_id = v.id
JOIN pages p ON p.id = l.page_id
WHERE v.channel_id IS NOT NULL
GROUP BY v.channel_id;

-- What is said when in which video, with a link that starts the video at
-- that moment. segment_id is transcript_segments.id, the rowid of
-- transcript_segments_fts, so a search can be joined (or configured in
-- Datasette: fts_table transcript_segments_fts, fts_pk segment_id).
CREATE VIEW transcript_moments AS
SELECT s.id AS segment_id, s.video_id, v.title AS video_title, v.channel_title,
       s.language, t.is_generated, s.start_ms / 1000 AS start_seconds,
       'https://www.youtube.com/watch?v=' || s.video_id || '&t=' || (s.start_ms / 1000) || 's' AS link,
       s.text
FROM transcript_segments s
JOIN transcripts t ON t.id = s.transcript_id
JOIN videos v ON v.id = s.video_id;
