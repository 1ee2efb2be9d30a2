-- Funding programs and payees: what a draw's approvals, conditions, retainage and payee may
-- be is decided by admins here, not by the requester. Programs are versioned (a draw keeps
-- the version it started with); payees are registered per project. Every change is also an
-- audit event (same transaction), which is where the maker-checker rule reads its makers.
CREATE TABLE funding_programs (
  project_id  TEXT NOT NULL,
  program_id  TEXT NOT NULL,
  version     INTEGER NOT NULL CHECK (version >= 1),
  definition  JSONB NOT NULL,
  created_by  TEXT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, program_id, version)
);

-- The program a draw uses when it names none.
CREATE TABLE funding_project_current_program (
  project_id  TEXT PRIMARY KEY,
  program_id  TEXT NOT NULL
);

CREATE TABLE funding_payees (
  project_id     TEXT NOT NULL,
  payee_id       TEXT NOT NULL,
  name           TEXT NOT NULL,
  registered_by  TEXT NOT NULL,
  registered_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  removed_by     TEXT,
  removed_at     TIMESTAMPTZ,
  PRIMARY KEY (project_id, payee_id)
);

CREATE INDEX audit_events_subject_at ON audit_events (subject, at);
