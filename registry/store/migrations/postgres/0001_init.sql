-- The registry's tables. Versions and their files are written once and
-- never changed; subjects and active_files say what is active, and
-- registry_state's revision moves on by one with every change of it.

-- One row: the revision replicas watch.
CREATE TABLE registry_state (
    id       smallint PRIMARY KEY CHECK (id = 1),
    revision bigint   NOT NULL CHECK (revision >= 0)
);
INSERT INTO registry_state (id, revision) VALUES (1, 0);

-- A resource of the config: "Upstream/catalog", "VirtualService/shop".
CREATE TABLE subjects (
    subject        text    PRIMARY KEY,
    -- NULL while deleted; its versions stay.
    active_version integer,
    -- The number the next version follows.
    latest_version integer NOT NULL CHECK (latest_version >= 0)
);

CREATE TABLE versions (
    subject    text        NOT NULL REFERENCES subjects (subject),
    version    integer     NOT NULL CHECK (version > 0),
    author     text        NOT NULL,
    message    text        NOT NULL,
    created_at timestamptz NOT NULL,
    -- Hex SHA-256 of the files (store.ContentHash).
    hash       text        NOT NULL,
    -- What the version built, opaque; NULL when none.
    composed   bytea,
    PRIMARY KEY (subject, version)
);

ALTER TABLE subjects ADD FOREIGN KEY (subject, active_version) REFERENCES versions (subject, version);

CREATE TABLE version_files (
    subject text    NOT NULL,
    version integer NOT NULL,
    -- Relative to the config root, slash-separated.
    path    text    NOT NULL,
    content bytea   NOT NULL,
    PRIMARY KEY (subject, version, path),
    FOREIGN KEY (subject, version) REFERENCES versions (subject, version)
);

-- The paths of the active versions, each owned by one subject: the
-- primary key refuses a path to a second subject.
CREATE TABLE active_files (
    path    text PRIMARY KEY,
    subject text NOT NULL REFERENCES subjects (subject)
);
CREATE INDEX active_files_subject ON active_files (subject);

CREATE TABLE tokens (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text        NOT NULL,
    -- Hex SHA-256 of the secret; the secret is not kept.
    hash       text        NOT NULL UNIQUE,
    -- JSON: [{"action": "push", "subject": "Upstream/catalog"}, ...]
    scopes     text        NOT NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);
-- Names are unique among live tokens; revoked ones are kept for the audit.
CREATE UNIQUE INDEX tokens_live_name ON tokens (name) WHERE revoked_at IS NULL;

CREATE TABLE audit (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      timestamptz NOT NULL,
    actor   text        NOT NULL,
    action  text        NOT NULL,
    subject text        NOT NULL,
    version integer     NOT NULL,
    allowed boolean     NOT NULL,
    reason  text        NOT NULL
);
CREATE INDEX audit_subject ON audit (subject, id);
CREATE INDEX audit_actor ON audit (actor, id);

-- Executions per operation and hour.
CREATE TABLE usage_operations (
    virtual_service text        NOT NULL,
    signature       text        NOT NULL,
    bucket          timestamptz NOT NULL,
    name            text        NOT NULL,
    count           bigint      NOT NULL,
    PRIMARY KEY (virtual_service, signature, bucket)
);
CREATE INDEX usage_operations_bucket ON usage_operations (bucket);

-- Executions per schema coordinate, operation and hour.
CREATE TABLE usage_coordinates (
    virtual_service text        NOT NULL,
    coordinate      text        NOT NULL,
    bucket          timestamptz NOT NULL,
    signature       text        NOT NULL,
    count           bigint      NOT NULL,
    PRIMARY KEY (virtual_service, coordinate, bucket, signature)
);
CREATE INDEX usage_coordinates_bucket ON usage_coordinates (bucket);
