-- Users. Attributes live in a JSON document; the attributes ListUsers can filter on are
-- copied into indexed columns (byte-ordered, so prefix ranges and keyset pages are exact),
-- and unique sign-in keys (username, username attributes, verified aliases) have unique
-- indexes so no two users of a pool can share one.
CREATE TABLE users (
    pool_id                  TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    sub                      TEXT NOT NULL,
    username                 TEXT NOT NULL,
    username_key             TEXT COLLATE "C" NOT NULL,
    status                   TEXT COLLATE "C" NOT NULL,
    enabled                  BOOLEAN NOT NULL,
    attributes               TEXT NOT NULL,
    email                    TEXT COLLATE "C",
    phone_number             TEXT COLLATE "C",
    name                     TEXT COLLATE "C",
    given_name               TEXT COLLATE "C",
    family_name              TEXT COLLATE "C",
    preferred_username       TEXT COLLATE "C",
    alias_email              TEXT,
    alias_phone              TEXT,
    alias_preferred_username TEXT,
    password_hash            TEXT,
    password_set_ms          BIGINT,
    extra                    TEXT NOT NULL,
    created_ms               BIGINT NOT NULL,
    modified_ms              BIGINT NOT NULL,
    version                  BIGINT NOT NULL,
    PRIMARY KEY (pool_id, sub)
);
CREATE UNIQUE INDEX users_username ON users (pool_id, username_key);
CREATE UNIQUE INDEX users_alias_email ON users (pool_id, alias_email);
CREATE UNIQUE INDEX users_alias_phone ON users (pool_id, alias_phone);
CREATE UNIQUE INDEX users_alias_preferred_username ON users (pool_id, alias_preferred_username);
CREATE INDEX users_by_email ON users (pool_id, email, username_key);
CREATE INDEX users_by_phone_number ON users (pool_id, phone_number, username_key);
CREATE INDEX users_by_name ON users (pool_id, name, username_key);
CREATE INDEX users_by_given_name ON users (pool_id, given_name, username_key);
CREATE INDEX users_by_family_name ON users (pool_id, family_name, username_key);
CREATE INDEX users_by_preferred_username ON users (pool_id, preferred_username, username_key);
CREATE INDEX users_by_status ON users (pool_id, status, username_key);
CREATE INDEX users_by_enabled ON users (pool_id, enabled, username_key);

-- One-time codes (sign-up confirmation, password reset, attribute verification), hashed.
CREATE TABLE user_codes (
    pool_id    TEXT NOT NULL,
    sub        TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    expires_ms BIGINT NOT NULL,
    attempts   BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (pool_id, sub, purpose),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
