-- The first schema. Times are whole seconds since the Unix epoch, UTC.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- AUTOINCREMENT: an id is never reused, not even after purge.
CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    hash         BLOB NOT NULL UNIQUE,  -- SHA-256 of the whole token string
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
