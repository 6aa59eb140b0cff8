-- Policy, editing and rotation with a grace period (SPEC §7), as SQLite's
-- migration 0004.
--
-- A token remembers the secret its latest reset replaced: its hash stays in
-- token_hashes, marked replaced, so one indexed lookup finds a presented
-- secret whether it is current or replaced. A column with a constant
-- default is added without rewriting the table (PostgreSQL 11 and later).
ALTER TABLE token_hashes ADD COLUMN replaced boolean NOT NULL DEFAULT false;

-- Until when the replaced secret still verifies; NULL: not at all.
ALTER TABLE tokens ADD COLUMN previous_valid_until bigint;

-- The database's rules, key and value as the user set them; a key that is
-- not here is its built-in default.
CREATE TABLE policy (
    key   text PRIMARY KEY,
    value text NOT NULL
);
