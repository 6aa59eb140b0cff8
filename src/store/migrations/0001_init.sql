-- The first schema. Times are whole seconds since the Unix epoch, UTC.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- AUTOINCREMENT: an id is never reused, not even after purge.
CREATE TABLE tokens (
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

-- How verify finds a token: SHA-256 of the whole token string -> tokens.id,
-- one row per token, written and deleted with it. Apart from tokens and
-- WITHOUT ROWID, the 32 bytes are stored once; a UNIQUE column of tokens
-- would store them twice (row and index), a sixth of the database.
CREATE TABLE token_hashes (
    hash BLOB PRIMARY KEY,
    id   INTEGER NOT NULL
) WITHOUT ROWID;

-- Survives purge: token_id is not a foreign key on purpose.
CREATE TABLE audit (
    seq      INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    token_id INTEGER NOT NULL,
    action   INTEGER NOT NULL,          -- model::Action code
    actor    TEXT NOT NULL,
    detail   TEXT
);
CREATE INDEX audit_by_token ON audit (token_id);
