-- The audit trail's hash chain (SPEC §11), as SQLite's migration 0005:
-- each event keeps its link, SHA-256 over the link before it and the
-- event's canonical form, 32 bytes. The events already here are linked by
-- migrate.rs in the same transaction, right after this file, with the one
-- rule the code has (PostgreSQL's own sha256() would need a second copy of
-- the canonical form in SQL).
--
-- Writers take turns on tokenctl's advisory write lock (queries.rs,
-- WRITE_LOCK = 0x746f6b656e777269): taken here first, so that no writer of
-- an older tokenctl appends an unlinked event between this migration's
-- reading of the trail and its commit.
SELECT pg_advisory_xact_lock(8390042714203714153);
ALTER TABLE audit ADD COLUMN hash bytea;
