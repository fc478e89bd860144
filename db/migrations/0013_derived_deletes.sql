-- Schema v13: the counts of 0010_web.sql follow deletes too.
--
-- Those tables are kept by triggers so that they hold whichever program
-- writes the rows, a user's own SQL included. Inserts and the crawler's
-- updates were followed; deletes were not, and a user who pruned a site
-- (DELETE FROM pages WHERE host = …) was left with its counts:
--
-- - a page's references are deleted by the foreign key's cascade after
--   the page row, so links_sites_ad found no host for them and changed
--   nothing; with foreign keys off, as the sqlite3 shell has them, the
--   references stayed behind;
-- - a reference to a channel deleted left its channel_sites count;
-- - a video deleted left its channel's count of videos;
-- - a site's first sighting of a video, its first and latest sighting of
--   any, and its new videos by day kept the times of deleted references.
--
-- Now a page takes its references with it before it goes, whatever the
-- foreign-key setting; every count is lowered; a first sighting is read
-- again from the references left; a site's first and latest sighting
-- from its videos left; and a channel that no video and no site names
-- any more goes. A count at 0 of a day goes too. The rebuild below makes
-- every count exact once, from the tables the crawler writes, for a
-- database that was pruned before this version.

DROP TRIGGER links_sites_ad;
DROP TRIGGER site_videos_ad;
DROP TRIGGER channel_sites_ad;

-- The rebuild, for a database whose counts a user's deletes left wrong:
-- every reference to a video counted once in site_videos, to a channel
-- once in channel_sites, every video on a channel once in channels. A
-- database nobody pruned skips it: on one of a million references the
-- upgrade took 1.2 s with the check alone, 25 s with the rebuild. With the delete
-- triggers above gone: site_videos from the references, as 0010_web.sql's
-- backfill; its insert trigger fills sites, site_days and the video counts
-- of channel_sites, as a crawl does; then the channel references' counts,
-- and each channel's.
CREATE TEMP TABLE derived_stale AS SELECT
  (SELECT coalesce(sum(links), 0) FROM site_videos) <> (SELECT count(*) FROM links WHERE video_id IS NOT NULL)
  OR (SELECT coalesce(sum(links), 0) FROM channel_sites) <> (SELECT count(*) FROM links WHERE ref_type = 'channel')
  OR (SELECT coalesce(sum(videos), 0) FROM channels) <> (SELECT count(*) FROM videos WHERE channel_id IS NOT NULL)
  AS stale;

DELETE FROM channel_sites WHERE (SELECT stale FROM temp.derived_stale);
DELETE FROM site_days WHERE (SELECT stale FROM temp.derived_stale);
DELETE FROM sites WHERE (SELECT stale FROM temp.derived_stale);
DELETE FROM site_videos WHERE (SELECT stale FROM temp.derived_stale);

INSERT INTO site_videos (host, video_id, first_seen_at, links, body_links)
SELECT p.host, l.video_id, min(l.first_seen_at), count(*), sum(l.in_body)
FROM links l JOIN pages p ON p.id = l.page_id
WHERE l.video_id IS NOT NULL AND (SELECT stale FROM temp.derived_stale)
GROUP BY p.host, l.video_id;

-- A channel reference names the channel whose handle it is, else itself
-- (links_channels_ai), whose row that trigger made.
INSERT INTO channel_sites (channel_id, host, links)
SELECT channel_id, host, count(*) FROM (
  SELECT coalesce((SELECT id FROM channels WHERE handle = l.ref_id COLLATE NOCASE),
                  CASE WHEN substr(l.ref_id, 1, 2) = 'UC' THEN l.ref_id ELSE lower(l.ref_id) END) AS channel_id, p.host
  FROM links l JOIN pages p ON p.id = l.page_id WHERE l.ref_type = 'channel')
WHERE channel_id IN (SELECT id FROM channels) AND (SELECT stale FROM temp.derived_stale)
GROUP BY channel_id, host
ON CONFLICT DO UPDATE SET links = links + excluded.links;

UPDATE channels SET
  videos = (SELECT count(*) FROM videos v WHERE v.channel_id = channels.id),
  sites = (SELECT count(*) FROM channel_sites s WHERE s.channel_id = channels.id)
WHERE (SELECT stale FROM temp.derived_stale);
DELETE FROM channels WHERE videos = 0 AND sites = 0 AND (SELECT stale FROM temp.derived_stale);
DROP TABLE temp.derived_stale;

-- The pages found from a page, whose found_from a deleted page sets to
-- NULL (its foreign key): without an index, deleting one page read every
-- page, and pruning 5,000 of 10,000 pages took 15 s; with it, 0.3 s.
-- Seeds (NULL) are not in it.
CREATE INDEX pages_by_found_from ON pages(found_from) WHERE found_from IS NOT NULL;

-- A page takes its references with it, before it goes: their triggers
-- still find its host. (A BEFORE trigger may delete other rows than the
-- one being deleted.)
CREATE TRIGGER pages_links_bd BEFORE DELETE ON pages
BEGIN
  DELETE FROM links WHERE page_id = old.id;
END;

-- A link to a video deleted: one reference fewer from its site, whose
-- first sighting of the video is read again if it was this one.
CREATE TRIGGER links_sites_ad AFTER DELETE ON links WHEN old.video_id IS NOT NULL
BEGIN
  UPDATE site_videos SET links = links - 1, body_links = body_links - old.in_body,
    first_seen_at = CASE WHEN first_seen_at < old.first_seen_at THEN first_seen_at
      ELSE coalesce((SELECT min(l.first_seen_at) FROM links l JOIN pages p ON p.id = l.page_id
                     WHERE l.video_id = old.video_id AND p.host = site_videos.host), first_seen_at) END
  WHERE host = (SELECT host FROM pages WHERE id = old.page_id) AND video_id = old.video_id;
  DELETE FROM site_videos
  WHERE host = (SELECT host FROM pages WHERE id = old.page_id) AND video_id = old.video_id AND links <= 0;
END;

-- A site's first sighting of a video moved (a reference deleted): its day
-- and the site's first and latest sightings move with it.
CREATE TRIGGER site_videos_seen_au AFTER UPDATE OF first_seen_at ON site_videos
WHEN new.first_seen_at <> old.first_seen_at
BEGIN
  UPDATE site_days SET videos = videos - 1 WHERE day = substr(old.first_seen_at, 1, 10) AND host = old.host;
  DELETE FROM site_days WHERE day = substr(old.first_seen_at, 1, 10) AND host = old.host AND videos <= 0;
  INSERT INTO site_days (host, day, videos) VALUES (new.host, substr(new.first_seen_at, 1, 10), 1)
  ON CONFLICT DO UPDATE SET videos = videos + 1;
  UPDATE sites SET
    first_seen_at = (SELECT min(first_seen_at) FROM site_videos WHERE host = new.host),
    last_seen_at = (SELECT max(first_seen_at) FROM site_videos WHERE host = new.host)
  WHERE host = new.host;
END;

-- A site no longer references a video: its counts, its day, and its first
-- and latest sightings from the videos it still references.
CREATE TRIGGER site_videos_ad AFTER DELETE ON site_videos
BEGIN
  UPDATE sites SET videos = videos - 1, links = links - old.links, body_links = body_links - old.body_links,
    first_seen_at = coalesce((SELECT min(first_seen_at) FROM site_videos WHERE host = old.host), first_seen_at),
    last_seen_at = coalesce((SELECT max(first_seen_at) FROM site_videos WHERE host = old.host), last_seen_at)
  WHERE host = old.host;
  UPDATE site_days SET videos = videos - 1 WHERE day = substr(old.first_seen_at, 1, 10) AND host = old.host;
  DELETE FROM site_days WHERE day = substr(old.first_seen_at, 1, 10) AND host = old.host AND videos <= 0;
  UPDATE channel_sites SET videos = videos - 1
  WHERE channel_id = (SELECT channel_id FROM videos WHERE id = old.video_id) AND host = old.host;
  DELETE FROM channel_sites
  WHERE channel_id = (SELECT channel_id FROM videos WHERE id = old.video_id) AND host = old.host
    AND videos <= 0 AND links <= 0;
END;

-- A site no longer names a channel: one site fewer; a channel that no
-- video and no site names any more goes.
CREATE TRIGGER channel_sites_ad AFTER DELETE ON channel_sites
BEGIN
  UPDATE channels SET sites = sites - 1 WHERE id = old.channel_id;
  DELETE FROM channels WHERE id = old.channel_id AND videos <= 0 AND sites <= 0;
END;

-- A link to a channel deleted: one link fewer from its site.
CREATE TRIGGER links_channels_ad AFTER DELETE ON links WHEN old.ref_type = 'channel'
BEGIN
  UPDATE channel_sites SET links = links - 1
  WHERE channel_id = coalesce((SELECT id FROM channels WHERE handle = old.ref_id COLLATE NOCASE),
                   CASE WHEN substr(old.ref_id, 1, 2) = 'UC' THEN old.ref_id ELSE lower(old.ref_id) END)
    AND host = (SELECT host FROM pages WHERE id = old.page_id);
  DELETE FROM channel_sites
  WHERE channel_id = coalesce((SELECT id FROM channels WHERE handle = old.ref_id COLLATE NOCASE),
                   CASE WHEN substr(old.ref_id, 1, 2) = 'UC' THEN old.ref_id ELSE lower(old.ref_id) END)
    AND host = (SELECT host FROM pages WHERE id = old.page_id) AND videos <= 0 AND links <= 0;
END;

-- A video deleted (one no page references: the references' foreign key
-- keeps the others): one video fewer on its channel.
CREATE TRIGGER videos_channel_ad AFTER DELETE ON videos WHEN old.channel_id IS NOT NULL
BEGIN
  UPDATE channels SET videos = videos - 1 WHERE id = old.channel_id;
  DELETE FROM channels WHERE id = old.channel_id AND videos <= 0 AND sites <= 0;
END;
