// Ordered schema migrations of the grade store; SQLite's user_version records how many have run.
import type Database from 'better-sqlite3';

/** One schema step. Migrations are append-only: never edit one that has shipped, add the next. */
export interface Migration {
  version: number;
  description: string;
  up: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'attempts: who, which question, claimed and measured accuracy, score, feedback',
    up: `
      CREATE TABLE attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        student_id TEXT NOT NULL,
        name TEXT NOT NULL,
        assignment_id TEXT NOT NULL,
        question_id TEXT NOT NULL,
        claimed REAL,
        measured REAL,
        score REAL NOT NULL,
        feedback_json TEXT NOT NULL
      );
      CREATE INDEX attempts_by_student ON attempts (student_id, assignment_id, question_id);`,
  },
  {
    version: 2,
    description: 'attempt numbers, pass/flag columns, artifact hashes, hashed tokens',
    up: `
      ALTER TABLE attempts ADD COLUMN attempt_number INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE attempts ADD COLUMN max_points REAL;
      ALTER TABLE attempts ADD COLUMN passed INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE attempts ADD COLUMN claim_flagged INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE attempts ADD COLUMN artifact_sha256 TEXT;
      UPDATE attempts SET attempt_number = (
        SELECT COUNT(*) FROM attempts AS earlier WHERE earlier.student_id = attempts.student_id
          AND earlier.assignment_id = attempts.assignment_id AND earlier.question_id = attempts.question_id AND earlier.id <= attempts.id);
      UPDATE attempts SET passed = COALESCE(json_extract(feedback_json, '$.passed'), 0) WHERE json_valid(feedback_json);
      CREATE UNIQUE INDEX attempts_numbered ON attempts (student_id, assignment_id, question_id, attempt_number);
      CREATE INDEX attempts_by_sha256 ON attempts (artifact_sha256);
      CREATE TABLE tokens (
        token_hash TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('student', 'instructor')),
        student_id TEXT,
        name TEXT,
        created_at TEXT NOT NULL
      );`,
  },
  {
    version: 3,
    description: 'client submission ids, so a retried submission is recorded once',
    up: `
      ALTER TABLE attempts ADD COLUMN submission_id TEXT;
      CREATE UNIQUE INDEX attempts_by_submission_id ON attempts (submission_id) WHERE submission_id IS NOT NULL;`,
  },
];

/** Thrown when the file was written by a newer grader than this one. */
export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
  constructor(found: number, known: number) {
    super(`The grade database has schema version ${found}, but this grader knows up to ${known}. Upgrade the course package; do not open it with an older grader.`);
  }
}

/** Runs every migration above the file's user_version, each in its own transaction with its version bump. */
export function migrate(db: Database.Database, migrations: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) throw new SchemaTooNewError(current, latest);
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.up);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
