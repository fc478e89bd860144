-- Schema v5: full-text indexes, named and kept in sync the way sqlite-utils
-- does it (<table>_fts, external content, triggers <table>_ai/_ad/_au), so
-- that Datasette and sqlite-utils find them.

CREATE VIRTUAL TABLE transcript_segments_fts USING fts5(
  text, content='transcript_segments', content_rowid='id',
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

CREATE VIRTUAL TABLE videos_fts USING fts5(
  title, description, content='videos', content_rowid='rowid',
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
