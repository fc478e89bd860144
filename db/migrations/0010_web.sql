-- Schema v10: what the web UI (`ytharvest serve`) and the report read.
--
-- Status history, channels, and per-site counts, kept by triggers so that
-- they hold whichever program writes the rows (the crawler, `video`, a
-- generator, a user's own SQL) and the web UI answers from indexes: on a
-- database of 100,000 videos and 1,000,000 links, counting sites or
-- channels from links took 2 s a page; from these tables, milliseconds
-- (docs/PERFORMANCE.md). A new link costs the crawl's writer a lookup of
-- its page's host and one upsert (three more when the site had not
-- referenced that video before).
--
-- The backfill at the end fills every table from what the database holds.
-- It cannot know statuses a video had before the last fetch: each video
-- with a definitive status gets one change (backfilled = 1), to its status
-- at its last fetch; a video that vanished before this migration is not
-- among the vanished. docs/schema.md says the same.

-- Every definitive status a video took, in order. Blocked, error and
-- pending say nothing about the video and are not recorded.
CREATE TABLE video_status_changes (
  id            INTEGER PRIMARY KEY,
  video_id      TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
  old_status    TEXT, -- the status recorded before; NULL for the first
  status        TEXT NOT NULL CHECK (status NOT IN ('pending','blocked','error')),
  status_reason TEXT,
  old_title     TEXT, -- the title before: a removed or private video's answer has none
  changed_at    TEXT NOT NULL, -- the fetch that said so (videos.fetched_at)
  backfilled    INTEGER NOT NULL DEFAULT 0 CHECK (backfilled IN (0,1))
) STRICT;
CREATE INDEX video_status_changes_by_video ON video_status_changes(video_id, id);
-- The vanished: videos that were ok and became removed, private or
-- unplayable, newest first.
CREATE INDEX video_status_changes_vanished ON video_status_changes(changed_at)
  WHERE old_status = 'ok' AND (status = 'removed' OR status = 'private' OR status = 'unplayable');

-- One row per (site, video): a site is a host whose pages reference the
-- video. links and body_links count the references (links rows), and
-- how many of them are in an article body.
CREATE TABLE site_videos (
  host          TEXT NOT NULL,
  video_id      TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
  first_seen_at TEXT NOT NULL, -- the first reference from the site
  links         INTEGER NOT NULL,
  body_links    INTEGER NOT NULL,
  PRIMARY KEY (host, video_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX site_videos_by_video ON site_videos(video_id);
CREATE INDEX site_videos_by_first_seen ON site_videos(host, first_seen_at);

-- One row per site: how many videos it references, in how many links,
-- how many of them in article bodies.
CREATE TABLE sites (
  host          TEXT PRIMARY KEY,
  videos        INTEGER NOT NULL DEFAULT 0,
  links         INTEGER NOT NULL DEFAULT 0,
  body_links    INTEGER NOT NULL DEFAULT 0,
  first_seen_at TEXT NOT NULL, -- its first reference to a video
  last_seen_at  TEXT NOT NULL  -- its latest reference to a video it had not referenced before
) STRICT;

-- New videos per day per site: videos a site referenced for the first
-- time that day (UTC).
CREATE TABLE site_days (
  host   TEXT NOT NULL,
  day    TEXT NOT NULL, -- YYYY-MM-DD
  videos INTEGER NOT NULL,
  PRIMARY KEY (day, host)
) STRICT, WITHOUT ROWID;

-- The channels: from video metadata (id UC…) and from pages' references
-- to channels. A channel known only by a reference to its @handle,
-- c/NAME or user/NAME has that, lower-cased (YouTube reads them without
-- case), as its id, until a video of the channel with that handle is
-- fetched: the row is then folded into the UC… one.
CREATE TABLE channels (
  id            TEXT PRIMARY KEY,
  title         TEXT,
  handle        TEXT,
  first_seen_at TEXT NOT NULL,
  last_seen_at  TEXT NOT NULL,
  videos        INTEGER NOT NULL DEFAULT 0, -- videos whose channel it is
  sites         INTEGER NOT NULL DEFAULT 0  -- hosts that reference it or its videos (channel_sites rows)
) STRICT;
CREATE INDEX channels_by_handle ON channels(handle COLLATE NOCASE) WHERE handle IS NOT NULL;
-- The orders the channels page offers.
CREATE INDEX channels_by_videos ON channels(videos, id);
CREATE INDEX channels_by_sites ON channels(sites, id);
CREATE INDEX channels_by_last_seen ON channels(last_seen_at, id);

-- Which sites reference which channels: videos counts the channel's
-- videos the site references, links the site's links to the channel
-- itself.
CREATE TABLE channel_sites (
  channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  host       TEXT NOT NULL,
  videos     INTEGER NOT NULL DEFAULT 0,
  links      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (channel_id, host)
) STRICT, WITHOUT ROWID;
CREATE INDEX channel_sites_by_host ON channel_sites(host, videos);

-- The orders the videos page offers (and its date filter).
CREATE INDEX videos_by_first_seen ON videos(first_seen_at, id);
CREATE INDEX videos_by_published ON videos(published_at, id);
CREATE INDEX videos_by_views ON videos(view_count, id);

-- Backfill, from scratch, before the triggers exist.
INSERT INTO site_videos (host, video_id, first_seen_at, links, body_links)
SELECT p.host, l.video_id, min(l.first_seen_at), count(*), sum(l.in_body)
FROM links l JOIN pages p ON p.id = l.page_id
WHERE l.video_id IS NOT NULL
GROUP BY p.host, l.video_id;

INSERT INTO sites (host, videos, links, body_links, first_seen_at, last_seen_at)
SELECT host, count(*), sum(links), sum(body_links), min(first_seen_at), max(first_seen_at)
FROM site_videos GROUP BY host;

INSERT INTO site_days (host, day, videos)
SELECT host, substr(first_seen_at, 1, 10), count(*) FROM site_videos GROUP BY 1, 2;

INSERT INTO channels (id, first_seen_at, last_seen_at, videos)
SELECT channel_id, min(first_seen_at), max(first_seen_at), count(*)
FROM videos WHERE channel_id IS NOT NULL GROUP BY channel_id;
-- Title and handle as the video fetched last gave them.
UPDATE channels SET (title, handle) = (
  SELECT channel_title, channel_handle FROM videos WHERE channel_id = channels.id
  ORDER BY fetched_at DESC LIMIT 1);

-- References to channels: by UC… ID, or by a handle a known channel has.
CREATE TEMP TABLE channel_refs AS
SELECT coalesce(c.id, CASE WHEN substr(l.ref_id, 1, 2) = 'UC' THEN l.ref_id ELSE lower(l.ref_id) END) AS channel_id, p.host, l.first_seen_at, l.last_seen_at
FROM links l JOIN pages p ON p.id = l.page_id
LEFT JOIN channels c ON c.id = l.ref_id OR c.handle = l.ref_id COLLATE NOCASE
WHERE l.ref_type = 'channel';

INSERT INTO channels (id, first_seen_at, last_seen_at)
SELECT channel_id, min(first_seen_at), max(last_seen_at) FROM temp.channel_refs GROUP BY channel_id
ON CONFLICT (id) DO UPDATE SET first_seen_at = min(first_seen_at, excluded.first_seen_at),
  last_seen_at = max(last_seen_at, excluded.last_seen_at);

INSERT INTO channel_sites (channel_id, host, videos, links)
SELECT channel_id, host, sum(videos), sum(links) FROM (
  SELECT v.channel_id, s.host, 1 AS videos, 0 AS links
  FROM site_videos s JOIN videos v ON v.id = s.video_id WHERE v.channel_id IS NOT NULL
  UNION ALL
  SELECT channel_id, host, 0, 1 FROM temp.channel_refs)
GROUP BY channel_id, host;
DROP TABLE temp.channel_refs;

UPDATE channels SET sites = (SELECT count(*) FROM channel_sites s WHERE s.channel_id = channels.id);

INSERT INTO video_status_changes (video_id, old_status, status, status_reason, changed_at, backfilled)
SELECT id, NULL, status, status_reason, coalesce(fetched_at, attempted_at, first_seen_at), 1
FROM videos WHERE status NOT IN ('pending','blocked','error') ORDER BY coalesce(fetched_at, attempted_at, first_seen_at), id;

-- Triggers. Each keeps one derived table; an upsert fires the UPDATE
-- triggers of the row it updates and the INSERT triggers of a row it
-- inserts, so the chain links -> site_videos -> sites, site_days,
-- channel_sites -> channels holds on every path.

-- Status history: a definitive status different from the last recorded.
CREATE TRIGGER videos_status_ai AFTER INSERT ON videos
WHEN new.status NOT IN ('pending','blocked','error')
BEGIN
  INSERT INTO video_status_changes (video_id, status, status_reason, changed_at)
  VALUES (new.id, new.status, new.status_reason, coalesce(new.fetched_at, new.first_seen_at));
END;
CREATE TRIGGER videos_status_au AFTER UPDATE OF status ON videos
WHEN new.status NOT IN ('pending','blocked','error')
  AND new.status IS NOT (SELECT status FROM video_status_changes WHERE video_id = new.id ORDER BY id DESC LIMIT 1)
BEGIN
  INSERT INTO video_status_changes (video_id, old_status, status, status_reason, old_title, changed_at)
  VALUES (new.id, (SELECT status FROM video_status_changes WHERE video_id = new.id ORDER BY id DESC LIMIT 1),
          new.status, new.status_reason, old.title,
          coalesce(new.fetched_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));
END;

-- A link to a video: its site references the video once more.
CREATE TRIGGER links_sites_ai AFTER INSERT ON links WHEN new.video_id IS NOT NULL
BEGIN
  INSERT INTO site_videos (host, video_id, first_seen_at, links, body_links)
  SELECT host, new.video_id, new.first_seen_at, 1, new.in_body FROM pages WHERE id = new.page_id
  ON CONFLICT DO UPDATE SET links = links + 1, body_links = body_links + excluded.body_links;
END;
CREATE TRIGGER links_sites_au AFTER UPDATE OF in_body ON links
WHEN new.video_id IS NOT NULL AND new.in_body <> old.in_body
BEGIN
  UPDATE site_videos SET body_links = body_links + new.in_body - old.in_body
  WHERE host = (SELECT host FROM pages WHERE id = new.page_id) AND video_id = new.video_id;
END;
CREATE TRIGGER links_sites_ad AFTER DELETE ON links WHEN old.video_id IS NOT NULL
BEGIN
  UPDATE site_videos SET links = links - 1, body_links = body_links - old.in_body
  WHERE host = (SELECT host FROM pages WHERE id = old.page_id) AND video_id = old.video_id;
  DELETE FROM site_videos
  WHERE host = (SELECT host FROM pages WHERE id = old.page_id) AND video_id = old.video_id AND links <= 0;
END;

-- A site that references a video for the first time.
CREATE TRIGGER site_videos_ai AFTER INSERT ON site_videos
BEGIN
  INSERT INTO sites (host, videos, links, body_links, first_seen_at, last_seen_at)
  VALUES (new.host, 1, new.links, new.body_links, new.first_seen_at, new.first_seen_at)
  ON CONFLICT DO UPDATE SET videos = videos + 1, links = links + excluded.links,
    body_links = body_links + excluded.body_links,
    first_seen_at = min(first_seen_at, excluded.first_seen_at),
    last_seen_at = max(last_seen_at, excluded.last_seen_at);
  INSERT INTO site_days (host, day, videos) VALUES (new.host, substr(new.first_seen_at, 1, 10), 1)
  ON CONFLICT DO UPDATE SET videos = videos + 1;
  INSERT INTO channel_sites (channel_id, host, videos)
  SELECT channel_id, new.host, 1 FROM videos WHERE id = new.video_id AND channel_id IS NOT NULL
  ON CONFLICT DO UPDATE SET videos = videos + 1;
END;
CREATE TRIGGER site_videos_au AFTER UPDATE OF links, body_links ON site_videos
BEGIN
  UPDATE sites SET links = links + new.links - old.links, body_links = body_links + new.body_links - old.body_links
  WHERE host = new.host;
END;
CREATE TRIGGER site_videos_ad AFTER DELETE ON site_videos
BEGIN
  UPDATE sites SET videos = videos - 1, links = links - old.links, body_links = body_links - old.body_links
  WHERE host = old.host;
  UPDATE site_days SET videos = videos - 1 WHERE day = substr(old.first_seen_at, 1, 10) AND host = old.host;
  UPDATE channel_sites SET videos = videos - 1
  WHERE channel_id = (SELECT channel_id FROM videos WHERE id = old.video_id) AND host = old.host;
  DELETE FROM channel_sites
  WHERE channel_id = (SELECT channel_id FROM videos WHERE id = old.video_id) AND host = old.host
    AND videos <= 0 AND links <= 0;
END;

-- channels.sites counts channel_sites rows.
CREATE TRIGGER channel_sites_ai AFTER INSERT ON channel_sites
BEGIN
  UPDATE channels SET sites = sites + 1 WHERE id = new.channel_id;
END;
CREATE TRIGGER channel_sites_ad AFTER DELETE ON channel_sites
BEGIN
  UPDATE channels SET sites = sites - 1 WHERE id = old.channel_id;
END;

-- A video stored with its channel (SaveVideo stores a stub first, then
-- updates it; other writers may insert the whole row).
CREATE TRIGGER videos_channel_ai AFTER INSERT ON videos WHEN new.channel_id IS NOT NULL
BEGIN
  INSERT INTO channels (id, title, handle, first_seen_at, last_seen_at, videos)
  VALUES (new.channel_id, new.channel_title, new.channel_handle, new.first_seen_at, new.first_seen_at, 1)
  ON CONFLICT DO UPDATE SET videos = videos + 1, title = coalesce(excluded.title, title),
    handle = coalesce(excluded.handle, handle),
    first_seen_at = min(first_seen_at, excluded.first_seen_at),
    last_seen_at = max(last_seen_at, excluded.last_seen_at);
END;

-- A video's channel learnt, or changed: the video and its sites move.
-- The channel's row is made before its sites are counted. Triggers fire
-- in no promised order, so the next trigger, which the same UPDATE fires,
-- makes the row too: whichever runs first inserts it, the other updates.
CREATE TRIGGER videos_channel_au AFTER UPDATE OF channel_id ON videos
WHEN new.channel_id IS NOT old.channel_id
BEGIN
  UPDATE channels SET videos = videos - 1 WHERE id = old.channel_id;
  UPDATE channel_sites SET videos = videos - 1
  WHERE channel_id = old.channel_id AND host IN (SELECT host FROM site_videos WHERE video_id = old.id);
  DELETE FROM channel_sites
  WHERE channel_id = old.channel_id AND videos <= 0 AND links <= 0
    AND host IN (SELECT host FROM site_videos WHERE video_id = old.id);
  INSERT INTO channels (id, title, handle, first_seen_at, last_seen_at, videos)
  SELECT new.channel_id, new.channel_title, new.channel_handle, new.first_seen_at, new.first_seen_at, 1
  WHERE new.channel_id IS NOT NULL
  ON CONFLICT DO UPDATE SET videos = videos + 1,
    first_seen_at = min(first_seen_at, excluded.first_seen_at),
    last_seen_at = max(last_seen_at, excluded.last_seen_at);
  INSERT INTO channel_sites (channel_id, host, videos)
  SELECT new.channel_id, host, 1 FROM site_videos WHERE video_id = new.id AND new.channel_id IS NOT NULL
  ON CONFLICT DO UPDATE SET videos = videos + 1;
END;

-- A fetch names the channel's title and handle. A channel known so far
-- only by a reference to that handle is this one: its sites and times are
-- folded in, and its row goes.
CREATE TRIGGER videos_channel_names AFTER UPDATE OF channel_title, channel_handle ON videos
WHEN new.channel_id IS NOT NULL
BEGIN
  INSERT INTO channels (id, title, handle, first_seen_at, last_seen_at)
  VALUES (new.channel_id, new.channel_title, new.channel_handle, new.first_seen_at, new.first_seen_at)
  ON CONFLICT DO UPDATE SET title = coalesce(excluded.title, title), handle = coalesce(excluded.handle, handle);
  UPDATE channels SET
    first_seen_at = min(first_seen_at, (SELECT first_seen_at FROM channels WHERE id = lower(new.channel_handle))),
    last_seen_at = max(last_seen_at, (SELECT last_seen_at FROM channels WHERE id = lower(new.channel_handle)))
  WHERE id = new.channel_id AND lower(new.channel_handle) <> new.channel_id
    AND EXISTS (SELECT 1 FROM channels WHERE id = lower(new.channel_handle));
  INSERT INTO channel_sites (channel_id, host, videos, links)
  SELECT new.channel_id, host, videos, links FROM channel_sites
  WHERE channel_id = lower(new.channel_handle) AND lower(new.channel_handle) <> new.channel_id
  ON CONFLICT DO UPDATE SET videos = videos + excluded.videos, links = links + excluded.links;
  DELETE FROM channel_sites WHERE channel_id = lower(new.channel_handle) AND lower(new.channel_handle) <> new.channel_id;
  DELETE FROM channels WHERE id = lower(new.channel_handle) AND lower(new.channel_handle) <> new.channel_id;
END;

-- A link to a channel itself: by UC… ID, or by a handle (@name, c/NAME,
-- user/NAME) that a known channel has, or else a channel known by that
-- reference alone.
CREATE TRIGGER links_channels_ai AFTER INSERT ON links WHEN new.ref_type = 'channel'
BEGIN
  INSERT INTO channels (id, first_seen_at, last_seen_at)
  VALUES (coalesce((SELECT id FROM channels WHERE handle = new.ref_id COLLATE NOCASE),
                   CASE WHEN substr(new.ref_id, 1, 2) = 'UC' THEN new.ref_id ELSE lower(new.ref_id) END),
          new.first_seen_at, new.last_seen_at)
  ON CONFLICT DO UPDATE SET last_seen_at = max(last_seen_at, excluded.last_seen_at);
  INSERT INTO channel_sites (channel_id, host, links)
  SELECT coalesce((SELECT id FROM channels WHERE handle = new.ref_id COLLATE NOCASE),
                   CASE WHEN substr(new.ref_id, 1, 2) = 'UC' THEN new.ref_id ELSE lower(new.ref_id) END), host, 1
  FROM pages WHERE id = new.page_id
  ON CONFLICT DO UPDATE SET links = links + 1;
END;
CREATE TRIGGER links_channels_au AFTER UPDATE OF last_seen_at ON links WHEN new.ref_type = 'channel'
BEGIN
  UPDATE channels SET last_seen_at = max(last_seen_at, new.last_seen_at)
  WHERE id = coalesce((SELECT id FROM channels WHERE handle = new.ref_id COLLATE NOCASE),
                   CASE WHEN substr(new.ref_id, 1, 2) = 'UC' THEN new.ref_id ELSE lower(new.ref_id) END);
END;
