-- Schema v11: pages by state and videos by status, counted as they are
-- written; the pages that reference a video, counted from an index.
--
-- The overview of `ytharvest serve` and the report show both. Counting
-- them read an index entry per row: 15 ms for 200,000 pages and 5 ms for
-- 100,000 videos on a quiet machine, three times that under load, and
-- growing with the frontier (docs/PERFORMANCE.md). Kept by triggers, like
-- the counts of 0010_web.sql, they hold whichever program writes the rows.
-- A new page costs the crawl's writer one upsert of a one-page table; a
-- fetched page's change of state two updates of it.

CREATE TABLE page_states (
  state TEXT PRIMARY KEY,
  pages INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE video_statuses (
  status TEXT PRIMARY KEY,
  videos INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO page_states (state, pages) SELECT state, count(*) FROM pages GROUP BY state;
INSERT INTO video_statuses (status, videos) SELECT status, count(*) FROM videos GROUP BY status;

CREATE TRIGGER pages_count_ai AFTER INSERT ON pages
BEGIN
  INSERT INTO page_states (state, pages) VALUES (new.state, 1)
  ON CONFLICT DO UPDATE SET pages = pages + 1;
END;
CREATE TRIGGER pages_count_au AFTER UPDATE OF state ON pages WHEN new.state IS NOT old.state
BEGIN
  UPDATE page_states SET pages = pages - 1 WHERE state = old.state;
  INSERT INTO page_states (state, pages) VALUES (new.state, 1)
  ON CONFLICT DO UPDATE SET pages = pages + 1;
END;
CREATE TRIGGER pages_count_ad AFTER DELETE ON pages
BEGIN
  UPDATE page_states SET pages = pages - 1 WHERE state = old.state;
END;

CREATE TRIGGER videos_count_ai AFTER INSERT ON videos
BEGIN
  INSERT INTO video_statuses (status, videos) VALUES (new.status, 1)
  ON CONFLICT DO UPDATE SET videos = videos + 1;
END;
CREATE TRIGGER videos_count_au AFTER UPDATE OF status ON videos WHEN new.status IS NOT old.status
BEGIN
  UPDATE video_statuses SET videos = videos - 1 WHERE status = old.status;
  INSERT INTO video_statuses (status, videos) VALUES (new.status, 1)
  ON CONFLICT DO UPDATE SET videos = videos + 1;
END;
CREATE TRIGGER videos_count_ad AFTER DELETE ON videos
BEGIN
  UPDATE video_statuses SET videos = videos - 1 WHERE status = old.status;
END;

-- How many pages reference a video, count(DISTINCT page_id) for each
-- video a web page lists, read every link row of the video: 30 ms for a
-- list of popular videos with 6,000 links among them. With page_id in the
-- index the count reads the index alone. The crawler writes the same
-- number of index entries, each a few bytes longer.
DROP INDEX links_by_video;
CREATE INDEX links_by_video ON links(video_id, page_id);
