-- The PostgreSQL dialect of ../0002_bounded_token_records.sql: the token store bounded per user
-- (see src/token_store.rs).

CREATE TABLE token_records (
    -- The tokens' `sub`: the user the row counts against (at most 32 rows each).
    sub TEXT NOT NULL,
    -- `f`: a login family; `t`: a `jti` (of a token without a family).
    kind TEXT NOT NULL CHECK (kind IN ('f', 't')),
    id TEXT NOT NULL,
    -- A family's highest refresh-token generation spent; NULL once revoked.
    spent BIGINT,
    -- Every token the row concerns was issued at or before this time (its last activity).
    at BIGINT NOT NULL,
    -- Past it every token the row concerns has expired, and the row may go.
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (kind, id)
);

CREATE INDEX token_records_by_user ON token_records (sub, at);
CREATE INDEX token_records_by_expiry ON token_records (expires_at);

-- Log out everywhere (and the eviction of the least recently active session): every token of
-- `sub` issued at or before `at` is refused, and every token of theirs without `iat`.
CREATE TABLE token_cutoffs (
    sub TEXT PRIMARY KEY NOT NULL,
    at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX token_cutoffs_by_expiry ON token_cutoffs (expires_at);

-- What was revoked stays revoked, and a family whose refresh token was already used is
-- revoked (see the SQLite migration for why).
INSERT INTO token_records (sub, kind, id, spent, at, expires_at)
SELECT '', CASE WHEN length(id) = 22 AND strpos(id, '.') = 0 THEN 'f' ELSE 't' END,
       id, NULL, 0, expires_at
FROM revoked_tokens
ON CONFLICT (kind, id) DO NOTHING;

INSERT INTO token_records (sub, kind, id, spent, at, expires_at)
SELECT '', 'f', substr(jti, 1, 22), NULL, 0, max(expires_at)
FROM used_refresh_tokens
WHERE length(jti) = 45 AND substr(jti, 23, 1) = '.'
GROUP BY substr(jti, 1, 22)
ON CONFLICT (kind, id) DO NOTHING;

DROP TABLE used_refresh_tokens;
DROP TABLE revoked_tokens;
