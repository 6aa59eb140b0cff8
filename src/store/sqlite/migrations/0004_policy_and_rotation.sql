-- Policy, editing and rotation with a grace period (SPEC §7).
--
-- A token remembers the secret its latest reset replaced: its hash stays in
-- token_hashes, marked replaced, so one indexed lookup finds a presented
-- secret whether it is current or replaced. ADD COLUMN with a constant
-- default rewrites no row: the hashes of every existing token stay as they
-- are, current.
ALTER TABLE token_hashes ADD COLUMN replaced INTEGER NOT NULL DEFAULT 0;

-- Until when the replaced secret still verifies; NULL: not at all.
ALTER TABLE tokens ADD COLUMN previous_valid_until INTEGER;

-- The database's rules, key and value as the user set them; a key that is
-- not here is its built-in default.
CREATE TABLE policy (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
