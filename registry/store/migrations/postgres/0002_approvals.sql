-- Approvals of breaking changes: a change of class at coordinate, in a
-- check of subject, that a person has let through. One row per subject,
-- coordinate and class; approving again replaces who and why.
CREATE TABLE approvals (
    subject     text        NOT NULL REFERENCES subjects (subject),
    coordinate  text        NOT NULL,
    class       text        NOT NULL,
    approved_by text        NOT NULL,
    reason      text        NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (subject, coordinate, class)
);
