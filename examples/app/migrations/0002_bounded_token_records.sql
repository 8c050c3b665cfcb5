-- The token store bounded per user (see src/token_store.rs): one row per refreshed login family
-- (its highest refresh-token generation spent) instead of one per refresh, revoked families and
-- `jti`s, and a cutoff per user (log out everywhere).

CREATE TABLE token_records (
    -- The tokens' `sub`: the user the row counts against (at most 32 rows each).
    sub TEXT NOT NULL,
    -- `f`: a login family; `t`: a `jti` (of a token without a family).
    kind TEXT NOT NULL CHECK (kind IN ('f', 't')),
    id TEXT NOT NULL,
    -- A family's highest refresh-token generation spent; NULL once revoked.
    spent INTEGER,
    -- Every token the row concerns was issued at or before this time (its last activity).
    at INTEGER NOT NULL,
    -- Past it every token the row concerns has expired, and the row may go.
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
) STRICT;

CREATE INDEX token_records_by_user ON token_records (sub, at);
CREATE INDEX token_records_by_expiry ON token_records (expires_at);

-- Log out everywhere (and the eviction of the least recently active session): every token of
-- `sub` issued at or before `at` is refused, and every token of theirs without `iat`.
CREATE TABLE token_cutoffs (
    sub TEXT PRIMARY KEY NOT NULL,
    at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX token_cutoffs_by_expiry ON token_cutoffs (expires_at);

-- What was revoked stays revoked (its user unknown, it counts against nobody's cap)...
INSERT INTO token_records (sub, kind, id, spent, at, expires_at)
SELECT '', CASE WHEN length(id) = 22 AND instr(id, '.') = 0 THEN 'f' ELSE 't' END,
       id, NULL, 0, expires_at
FROM revoked_tokens
WHERE true
ON CONFLICT (kind, id) DO NOTHING;

-- ...and a family whose refresh token was already used is revoked: the old records cannot
-- tell its live refresh token from the used ones (all read as generation 0), so its user logs
-- in again rather than leave a used token spendable once more.
INSERT INTO token_records (sub, kind, id, spent, at, expires_at)
SELECT '', 'f', substr(jti, 1, 22), NULL, 0, max(expires_at)
FROM used_refresh_tokens
WHERE length(jti) = 45 AND substr(jti, 23, 1) = '.'
GROUP BY substr(jti, 1, 22)
ON CONFLICT (kind, id) DO NOTHING;

DROP TABLE used_refresh_tokens;
DROP TABLE revoked_tokens;
