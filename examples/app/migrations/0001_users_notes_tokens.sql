-- Users, their notes, and what the token store must remember across restarts.

CREATE TABLE users (
    -- A UUID: the tokens' `sub`.
    id TEXT PRIMARY KEY NOT NULL,
    -- Unique regardless of ASCII case (usernames are ASCII).
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    -- An argon2id PHC string: `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
    password_hash TEXT NOT NULL,
    -- Seconds since the Unix epoch.
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX notes_by_owner ON notes (user_id, id);

-- Refresh tokens already exchanged (rotation: each is single-use), by `jti`.
CREATE TABLE used_refresh_tokens (
    jti TEXT PRIMARY KEY NOT NULL,
    -- The refresh token's `exp`: past it the row may go.
    expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX used_refresh_tokens_by_expiry ON used_refresh_tokens (expires_at);

-- Revoked ids: access tokens' `jti`s and refresh families.
CREATE TABLE revoked_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);
