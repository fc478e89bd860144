-- Schema v12: fewer index entries for the crawl's writer to add.
--
-- The crawl benchmark's writer (docs/PERFORMANCE.md) spent most of its
-- commits writing index pages that every batch touches all over: a new
-- page's URL lands anywhere in the URL index, and a reference anywhere in
-- the indexes by video. Three indexes held entries nothing reads:
--
-- links_by_ref held every reference, though a video reference's ref_id is
-- its video_id (a CHECK says so) and links_by_video finds those; only
-- playlist and channel references are looked up by ref_id. Written as an
-- OR, not an IN list (see 0006_lean_pages.sql), which a query naming
-- either type still matches.
DROP INDEX links_by_ref;
CREATE INDEX links_by_ref ON links(ref_type, ref_id) WHERE ref_type = 'playlist' OR ref_type = 'channel';

-- pages_by_canonical held every fetched page's canonical URL, though most
-- pages declare their own URL, which the URL index finds; the lookup of a
-- duplicate reads both.
DROP INDEX pages_by_canonical;
CREATE INDEX pages_by_canonical ON pages(canonical_url) WHERE canonical_url <> url;

-- pages_frontier kept fetched pages, which no query takes from it: the
-- frontier reads queued pages, and a new run queues again the pages left
-- fetching by an earlier version's killed run.
DROP INDEX pages_frontier;
CREATE INDEX pages_frontier ON pages(state, depth, host_seq, id) WHERE state = 'queued' OR state = 'fetching';

-- A CHECK of an IN list of more than two values builds a temporary table
-- of the list for every row it checks (a CHECK's list is not built once a
-- statement, as a query's is): every page stored, every reference and
-- every new page paid for one or two. The same conditions as ORs compare
-- in place. The conditions are equivalent, so no stored row changes, and
-- the tables' definitions are edited in place as 0008_scope_counts.sql
-- did; the index changes above bump the schema cookie for other
-- connections.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(replace(sql,
  'CHECK (state IN (''queued'',''fetching'',''fetched'',''failed'',''skipped''))',
  'CHECK (state = ''queued'' OR state = ''fetching'' OR state = ''fetched'' OR state = ''failed'' OR state = ''skipped'')'),
  'CHECK (kind IN (''html'',''text'',''sitemap'',''sitemapindex'',''feed'',''other''))',
  'CHECK (kind = ''html'' OR kind = ''text'' OR kind = ''sitemap'' OR kind = ''sitemapindex'' OR kind = ''feed'' OR kind = ''other'')')
WHERE type = 'table' AND name = 'pages';
UPDATE sqlite_schema
SET sql = replace(sql,
  'CHECK (ref_type IN (''video'',''playlist'',''channel''))',
  'CHECK (ref_type = ''video'' OR ref_type = ''playlist'' OR ref_type = ''channel'')')
WHERE type = 'table' AND name = 'links';
UPDATE sqlite_schema
SET sql = replace(replace(replace(sql,
  'CHECK (status IN (''pending'',''ok'',''private'',''removed'',''age_restricted'',' || char(10) ||
  '                                     ''unplayable'',''live_upcoming'',''blocked'',''error''))',
  'CHECK (status = ''pending'' OR status = ''ok'' OR status = ''private'' OR status = ''removed''' || char(10) ||
  '                     OR status = ''age_restricted'' OR status = ''unplayable'' OR status = ''live_upcoming''' || char(10) ||
  '                     OR status = ''blocked'' OR status = ''error'')'),
  'CHECK (transcript_status IN (''ok'',''none'',''po_token_required'',''blocked'',''error''))',
  'CHECK (transcript_status = ''ok'' OR transcript_status = ''none'' OR transcript_status = ''po_token_required''' || char(10) ||
  '    OR transcript_status = ''blocked'' OR transcript_status = ''error'')'),
  'CHECK (metadata_source IN (''player'',''oembed'',''data_api''))',
  'CHECK (metadata_source = ''player'' OR metadata_source = ''oembed'' OR metadata_source = ''data_api'')')
WHERE type = 'table' AND name = 'videos';
PRAGMA writable_schema = RESET;
