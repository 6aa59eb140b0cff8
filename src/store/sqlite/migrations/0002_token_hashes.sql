-- How verify finds a token moves to a table of its own: SHA-256 of the
-- whole token string -> tokens.id, one row per token, written and deleted
-- with it. Apart from tokens and WITHOUT ROWID, the 32 bytes are stored
-- once; the UNIQUE column of 0001 stored them twice (row and index), a sixth
-- of the database.
CREATE TABLE token_hashes (
    hash BLOB PRIMARY KEY,
    id   INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO token_hashes (hash, id) SELECT hash, id FROM tokens;

-- SQLite cannot drop a UNIQUE column: tokens is rebuilt without it.
CREATE TABLE tokens_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    last4        TEXT NOT NULL,
    name         TEXT NOT NULL,
    owner        TEXT,
    scopes       TEXT NOT NULL,         -- sorted, space separated
    disabled     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
INSERT INTO tokens_new (id, last4, name, owner, scopes, disabled, created_at,
                        created_by, expires_at, last_used_at, revoked_at)
SELECT id, last4, name, owner, scopes, disabled, created_at,
       created_by, expires_at, last_used_at, revoked_at
FROM tokens;
-- The highest id ever issued goes with the table, so an id freed by purge
-- is still never issued again.
DELETE FROM sqlite_sequence WHERE name = 'tokens_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'tokens_new', seq FROM sqlite_sequence WHERE name = 'tokens';
DROP TABLE tokens;
ALTER TABLE tokens_new RENAME TO tokens;
