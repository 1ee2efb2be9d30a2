-- Task triggers (db/task-triggers.ts, domain/task-triggers.ts): what a task tracker event
-- sets in motion. `definition` is the whole validated trigger; the columns beside it are
-- what an event is matched on.
CREATE TABLE task_triggers (
  id           TEXT PRIMARY KEY,
  project_id   TEXT NOT NULL,
  task_id      TEXT NOT NULL,
  trigger_type TEXT NOT NULL CHECK (trigger_type IN ('task_completed', 'task_status_changed', 'milestone_completed', 'date_reached')),
  definition   JSONB NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX task_triggers_task ON task_triggers (project_id, task_id, trigger_type);

-- An action that could not be carried out (a webhook that failed every retry, a gate that
-- does not exist, a template the event could not fill): one row per key (task-event
-- workflow id + trigger + action index), so a retried or redelivered event records it once.
-- `action` is the planned action without secrets.
CREATE TABLE trigger_dead_letters (
  key        TEXT PRIMARY KEY,
  trigger_id TEXT NOT NULL,
  action     JSONB NOT NULL,
  error      TEXT NOT NULL,
  attempts   INT NOT NULL CHECK (attempts >= 0),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX trigger_dead_letters_trigger ON trigger_dead_letters (trigger_id);
