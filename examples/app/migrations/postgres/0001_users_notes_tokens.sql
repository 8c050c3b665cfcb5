-- The PostgreSQL dialect of ../0001_users_notes_tokens.sql: the same tables, columns and
-- indexes, with PostgreSQL's types.

-- Usernames are unique and matched ignoring case, as SQLite's NOCASE does: under this
-- nondeterministic ICU collation (level 2: case ignored), both the unique constraint and
-- `username = $1` ignore case, and the unique index serves the login's lookup.
CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

CREATE TABLE users (
    -- A UUID: the tokens' `sub`.
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE COLLATE nocase,
    -- An argon2id PHC string: `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
    password_hash TEXT NOT NULL,
    -- Seconds since the Unix epoch.
    created_at BIGINT NOT NULL
);

CREATE TABLE notes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX notes_by_owner ON notes (user_id, id);

-- The first token tables, as in SQLite; migration 0002 replaces them.
CREATE TABLE used_refresh_tokens (
    jti TEXT PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX used_refresh_tokens_by_expiry ON used_refresh_tokens (expires_at);

CREATE TABLE revoked_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);
