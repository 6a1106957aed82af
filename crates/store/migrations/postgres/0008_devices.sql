-- Remembered devices: one row per device key, owned by a user (and gone with the user or
-- the pool). `doc` holds the rest as JSON (group key, name, the sealed SRP verifier and
-- its salt, the remembered status).
CREATE TABLE devices (
    pool_id               TEXT NOT NULL,
    device_key            TEXT COLLATE "C" NOT NULL,
    sub                   TEXT NOT NULL,
    doc                   TEXT NOT NULL,
    created_ms            BIGINT NOT NULL,
    modified_ms           BIGINT NOT NULL,
    last_authenticated_ms BIGINT,
    PRIMARY KEY (pool_id, device_key),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX devices_by_user ON devices (pool_id, sub, device_key);

-- The device a sign-in was made on (its tokens carry `device_key`).
ALTER TABLE token_families ADD COLUMN device_key TEXT;
