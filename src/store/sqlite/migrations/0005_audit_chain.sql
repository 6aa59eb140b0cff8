-- The audit trail's hash chain (SPEC §11): each event keeps its link,
-- SHA-256 over the link before it and the event's canonical form, 32
-- bytes. SQLite has no SHA-256 in SQL, so the events already here are
-- linked by migrate.rs, in the same transaction, right after this file.
-- NULL only for a row that no tokenctl wrote: the check names it.
ALTER TABLE audit ADD COLUMN hash BLOB;
