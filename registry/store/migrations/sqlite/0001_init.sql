-- The registry's tables, as migrations/postgres/0001_init.sql has them.
-- Times are integers of microseconds since 1970 UTC, declared TIMESTAMP so
-- that the driver reads them back as times; bytea is BLOB, boolean INTEGER.

CREATE TABLE registry_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL CHECK (revision >= 0)
);
INSERT INTO registry_state (id, revision) VALUES (1, 0);

CREATE TABLE subjects (
    subject        TEXT    PRIMARY KEY,
    active_version INTEGER,
    latest_version INTEGER NOT NULL CHECK (latest_version >= 0),
    -- SQLite checks a reference to a table made later when rows change.
    FOREIGN KEY (subject, active_version) REFERENCES versions (subject, version)
);

CREATE TABLE versions (
    subject    TEXT      NOT NULL REFERENCES subjects (subject),
    version    INTEGER   NOT NULL CHECK (version > 0),
    author     TEXT      NOT NULL,
    message    TEXT      NOT NULL,
    created_at TIMESTAMP NOT NULL,
    hash       TEXT      NOT NULL,
    composed   BLOB,
    PRIMARY KEY (subject, version)
);

CREATE TABLE version_files (
    subject TEXT    NOT NULL,
    version INTEGER NOT NULL,
    path    TEXT    NOT NULL,
    content BLOB    NOT NULL,
    PRIMARY KEY (subject, version, path),
    FOREIGN KEY (subject, version) REFERENCES versions (subject, version)
);

CREATE TABLE active_files (
    path    TEXT PRIMARY KEY,
    subject TEXT NOT NULL REFERENCES subjects (subject)
);
CREATE INDEX active_files_subject ON active_files (subject);

CREATE TABLE tokens (
    id         INTEGER   PRIMARY KEY,
    name       TEXT      NOT NULL,
    hash       TEXT      NOT NULL UNIQUE,
    scopes     TEXT      NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE UNIQUE INDEX tokens_live_name ON tokens (name) WHERE revoked_at IS NULL;

CREATE TABLE audit (
    id      INTEGER   PRIMARY KEY,
    at      TIMESTAMP NOT NULL,
    actor   TEXT      NOT NULL,
    action  TEXT      NOT NULL,
    subject TEXT      NOT NULL,
    version INTEGER   NOT NULL,
    allowed INTEGER   NOT NULL,
    reason  TEXT      NOT NULL
);
CREATE INDEX audit_subject ON audit (subject, id);
CREATE INDEX audit_actor ON audit (actor, id);

CREATE TABLE usage_operations (
    virtual_service TEXT      NOT NULL,
    signature       TEXT      NOT NULL,
    bucket          TIMESTAMP NOT NULL,
    name            TEXT      NOT NULL,
    count           INTEGER   NOT NULL,
    PRIMARY KEY (virtual_service, signature, bucket)
);
CREATE INDEX usage_operations_bucket ON usage_operations (bucket);

CREATE TABLE usage_coordinates (
    virtual_service TEXT      NOT NULL,
    coordinate      TEXT      NOT NULL,
    bucket          TIMESTAMP NOT NULL,
    signature       TEXT      NOT NULL,
    count           INTEGER   NOT NULL,
    PRIMARY KEY (virtual_service, coordinate, bucket, signature)
);
CREATE INDEX usage_coordinates_bucket ON usage_coordinates (bucket);
