-- An event may concern the whole database rather than one token (`loaded`,
-- later `policy`): audit.token_id becomes nullable. SQLite cannot drop a
-- NOT NULL constraint, so the table is rebuilt, keeping every seq.
CREATE TABLE audit_new (
    seq      INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    token_id INTEGER,                   -- NULL: the whole database
    action   INTEGER NOT NULL,          -- core::model::Action code
    actor    TEXT NOT NULL,
    detail   TEXT
);
INSERT INTO audit_new (seq, at, token_id, action, actor, detail)
SELECT seq, at, token_id, action, actor, detail FROM audit;
DROP TABLE audit;
ALTER TABLE audit_new RENAME TO audit;
CREATE INDEX audit_by_token ON audit (token_id);
