-- Schema v14: pruning a site's pages takes time in proportion to the
-- references deleted.
--
-- When a reference to a video is deleted and it was the site's first
-- sighting of that video, links_sites_ad (0013_derived_deletes.sql) reads
-- the first sighting again from the references left. It read them all:
-- every reference to the video, through links_by_video, and each one's
-- page for its host. A site prunes its pages oldest first (by id, as
-- DELETE FROM pages WHERE host = … deletes them), so each deletion was
-- the first sighting and read every reference left: deleting 2,000 of
-- 20,000 pages that all link one video (a sidebar's promo) took 11 s, and
-- a site of 100,000 such pages would take hours.
--
-- Now the references are read in the order of their first sighting, from
-- an index, and the first one on the site is the answer.
CREATE INDEX links_by_video_seen ON links(video_id, first_seen_at);

DROP TRIGGER links_sites_ad;
CREATE TRIGGER links_sites_ad AFTER DELETE ON links WHEN old.video_id IS NOT NULL
BEGIN
  UPDATE site_videos SET links = links - 1, body_links = body_links - old.in_body,
    first_seen_at = CASE WHEN first_seen_at < old.first_seen_at THEN first_seen_at
      ELSE coalesce((SELECT l.first_seen_at FROM links l CROSS JOIN pages p
                     WHERE l.video_id = old.video_id AND p.id = l.page_id AND p.host = site_videos.host
                     ORDER BY l.first_seen_at LIMIT 1), first_seen_at) END
  WHERE host = (SELECT host FROM pages WHERE id = old.page_id) AND video_id = old.video_id;
  DELETE FROM site_videos
  WHERE host = (SELECT host FROM pages WHERE id = old.page_id) AND video_id = old.video_id AND links <= 0;
END;
