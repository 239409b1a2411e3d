/**
 * Schema history. Each entry moves the database from version N-1 to N (PRAGMA user_version).
 * Append only: never edit a migration that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: tasks. Partial indexes keep the hot paths (lease from queued, find expired leases) small.
  `
  CREATE TABLE tasks (
    task_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    prompt          TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('queued','leased','done','failed','cancelled')),
    priority        INTEGER NOT NULL DEFAULT 0,
    backend         TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    max_attempts    INTEGER,
    worker_id       TEXT,
    lease_token     TEXT,
    leased_until    REAL,
    result          TEXT,
    error           TEXT,
    labels          TEXT    NOT NULL DEFAULT '[]',
    metadata        TEXT    NOT NULL DEFAULT '{}',
    run_id          TEXT,
    idempotency_key TEXT,
    created_at      REAL    NOT NULL,
    updated_at      REAL    NOT NULL,
    leased_at       REAL,
    finished_at     REAL,
    cancelled_at    REAL
  );
  CREATE UNIQUE INDEX tasks_idempotency ON tasks(idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX tasks_queued_by_backend ON tasks(backend, priority DESC, task_id) WHERE status = 'queued';
  CREATE INDEX tasks_leased_by_backend ON tasks(backend, leased_until) WHERE status = 'leased';
  CREATE INDEX tasks_status_id ON tasks(status, task_id);
  CREATE INDEX tasks_run ON tasks(run_id, task_id) WHERE run_id IS NOT NULL;
  CREATE INDEX tasks_backend_id ON tasks(backend, task_id) WHERE backend IS NOT NULL;

  `,
  // 2: artifacts: one per task (its last run), the columns that runs and comparisons roll up,
  // and the whole record as JSON.
  `
  CREATE TABLE artifacts (
    task_id       INTEGER PRIMARY KEY REFERENCES tasks(task_id) ON DELETE CASCADE,
    backend       TEXT NOT NULL,
    cli_version   TEXT,
    model         TEXT,
    failure_class TEXT,
    exit_code     INTEGER,
    latency_ms    REAL,
    input_tokens  INTEGER,
    output_tokens INTEGER,
    cost_usd      REAL,
    started_at    REAL,
    finished_at   REAL,
    host          TEXT,
    worker_id     TEXT,
    data          TEXT NOT NULL
  );
  `,
  // 3: runs (a pack × backends executed as tasks sharing run_id) and the baseline run of each pack.
  `
  CREATE TABLE runs (
    run_id        TEXT PRIMARY KEY,
    label         TEXT,
    pack_name     TEXT NOT NULL,
    pack_path     TEXT,
    preset        TEXT NOT NULL,
    backends      TEXT NOT NULL,
    repeat        INTEGER NOT NULL,
    created_at    REAL NOT NULL,
    host          TEXT NOT NULL,
    lock_state    TEXT,
    picks         TEXT NOT NULL DEFAULT '{}',
    imported_from TEXT
  );
  CREATE INDEX runs_pack_created ON runs(pack_name, created_at);
  CREATE INDEX runs_created ON runs(created_at);
  CREATE TABLE baselines (
    pack_name TEXT PRIMARY KEY,
    run_id    TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE
  );
  `,
  // 4: doctor_runs: every `mittelo doctor` result, kept to show drift over time (report = the JSON report).
  `
  CREATE TABLE doctor_runs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL    NOT NULL,
    host       TEXT    NOT NULL,
    ok         INTEGER NOT NULL CHECK (ok IN (0, 1)),
    report     TEXT    NOT NULL
  );
  `,
  // 5: a finished run's record is immutable. When a task of a finished run is retried, the attempt
  // the run recorded is kept here (task row and artifact as JSON) before the task is queued again,
  // and the run's end is written down, so the run's counts, latency and duration stay as they were.
  `
  ALTER TABLE runs ADD COLUMN finished_at REAL;
  CREATE TABLE run_attempts (
    task_id  INTEGER NOT NULL REFERENCES tasks(task_id) ON DELETE CASCADE,
    attempt  INTEGER NOT NULL,
    run_id   TEXT    NOT NULL,
    task     TEXT    NOT NULL,
    artifact TEXT,
    PRIMARY KEY (task_id, attempt)
  );
  CREATE INDEX run_attempts_run ON run_attempts(run_id, task_id);
  `,
  // 6: derived data kept so a restarted hub does not rebuild it from every task row: a settled run's
  // record as compare reads it, its summary and pass counts per prompt and backend (run_records), and the comparison of two settled runs
  // (comparisons). Each row says what it was built from (the run's version, a format number); a row
  // that no longer matches is rebuilt, so both tables may be emptied at any time.
  `
  CREATE TABLE run_records (
    run_id  TEXT PRIMARY KEY REFERENCES runs(run_id) ON DELETE CASCADE,
    version TEXT NOT NULL,
    format  INTEGER NOT NULL,
    summary TEXT NOT NULL,
    counts  TEXT NOT NULL,
    body    TEXT NOT NULL
  );
  CREATE TABLE comparisons (
    run_a      TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    run_b      TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    head       TEXT NOT NULL,
    pairs      TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (run_a, run_b)
  );
  CREATE INDEX comparisons_run_b ON comparisons(run_b);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
