-- Schema v3: the caption tracks each video offers, and what came of
-- looking for its transcript.

CREATE TABLE caption_tracks (
  video_id        TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
  language        TEXT NOT NULL,
  is_generated    INTEGER NOT NULL CHECK (is_generated IN (0,1)),
  name            TEXT,
  is_translatable INTEGER NOT NULL DEFAULT 0 CHECK (is_translatable IN (0,1)),
  seen_at         TEXT NOT NULL,
  PRIMARY KEY (video_id, language, is_generated)
) STRICT;

ALTER TABLE videos ADD COLUMN transcript_status TEXT
  CHECK (transcript_status IN ('ok','none','po_token_required','blocked','error'));
ALTER TABLE videos ADD COLUMN transcript_reason TEXT;
ALTER TABLE videos ADD COLUMN transcript_checked_at TEXT;

ALTER TABLE transcripts ADD COLUMN translated_from TEXT;

ALTER TABLE runs ADD COLUMN transcripts INTEGER NOT NULL DEFAULT 0;
