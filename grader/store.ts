// The gradebook on disk: every attempt and every token in SQLite (WAL, synchronous commits, versioned migrations).
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, migrate } from './migrations.js';

/** Environment variable naming the database file (overridden by the `path` option). */
export const DATABASE_ENV = 'MNIST_GRADER_DB';

/** An attempt as stored. `feedback` is the GradeResult JSON shown to the student. */
export interface AttemptRecord {
  id: number;
  createdAt: string;
  studentId: string;
  name: string;
  assignmentId: string;
  questionId: string;
  attemptNumber: number;
  claimed: number | null;
  measured: number | null;
  score: number;
  maxPoints: number;
  passed: boolean;
  claimFlagged: boolean;
  sha256: string | null;
  submissionId: string | null;
  feedback: unknown;
}

/** What `recordAttempt` needs; id, attempt number and timestamp are assigned inside the transaction. */
export type NewAttempt = Omit<AttemptRecord, 'id' | 'attemptNumber' | 'createdAt'> & { createdAt?: string };

/** A stored token (only its SHA-256 is kept). */
export interface TokenRecord {
  tokenHash: string;
  role: 'student' | 'instructor';
  studentId: string | null;
  name: string | null;
}

/** One gradebook row: a student's best and latest attempt at one question. */
export interface GradebookRow {
  studentId: string;
  name: string;
  assignmentId: string;
  questionId: string;
  attempts: number;
  best: AttemptRecord;
  latest: AttemptRecord;
  flaggedClaims: number;
}

/**
 * Where the database lives by default: $MNIST_GRADER_DB, else the user's data folder
 * (~/.local/share, ~/Library/Application Support or %LOCALAPPDATA%) under mnist-course/grader.sqlite.
 */
export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[DATABASE_ENV];
  if (fromEnv) return fromEnv;
  const home = os.homedir();
  const dataDir =
    process.platform === 'win32' ? env['LOCALAPPDATA'] ?? path.join(home, 'AppData', 'Local')
      : process.platform === 'darwin' ? path.join(home, 'Library', 'Application Support')
        : env['XDG_DATA_HOME'] ?? path.join(home, '.local', 'share');
  return path.join(dataDir, 'mnist-course', 'grader.sqlite');
}

interface AttemptRow {
  id: number; created_at: string; student_id: string; name: string; assignment_id: string; question_id: string; attempt_number: number;
  claimed: number | null; measured: number | null; score: number; max_points: number | null; passed: number; claim_flagged: number;
  artifact_sha256: string | null; submission_id: string | null; feedback_json: string;
}

/** The store. Open one per process; better-sqlite3 is synchronous, so every call is one atomic step. */
export class GradeStore {
  readonly path: string;
  private readonly db: Database.Database;

  private constructor(file: string) {
    this.path = file;
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // FULL: a commit is on disk before recordAttempt returns, so an acknowledged attempt survives a crash or power loss.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db, MIGRATIONS);
  }

  /** Opens (creating and migrating as needed) the database at `options.path` or `defaultDatabasePath()`. */
  static open(options: { path?: string } = {}): GradeStore {
    return new GradeStore(options.path ?? defaultDatabasePath());
  }

  /** Schema version (SQLite user_version). */
  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /**
   * Records an attempt in one transaction and returns it once committed. With a `submissionId` already stored,
   * returns the earlier record instead of a second one (client retries are recorded once).
   */
  recordAttempt(attempt: NewAttempt): AttemptRecord {
    const insert = this.db.transaction((input: NewAttempt): number => {
      if (input.submissionId) {
        const existing = this.db.prepare('SELECT id FROM attempts WHERE submission_id = ?').get(input.submissionId) as { id: number } | undefined;
        if (existing) return existing.id;
      }
      const { next } = this.db
        .prepare('SELECT COALESCE(MAX(attempt_number), 0) + 1 AS next FROM attempts WHERE student_id = ? AND assignment_id = ? AND question_id = ?')
        .get(input.studentId, input.assignmentId, input.questionId) as { next: number };
      const info = this.db
        .prepare(`INSERT INTO attempts (created_at, student_id, name, assignment_id, question_id, attempt_number, claimed, measured, score, max_points,
                  passed, claim_flagged, artifact_sha256, submission_id, feedback_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(input.createdAt ?? new Date().toISOString(), input.studentId, input.name, input.assignmentId, input.questionId, next, finiteOrNull(input.claimed),
          finiteOrNull(input.measured), input.score, input.maxPoints, input.passed ? 1 : 0, input.claimFlagged ? 1 : 0, input.sha256, input.submissionId,
          JSON.stringify(input.feedback));
      return Number(info.lastInsertRowid);
    });
    return this.attemptById(insert.immediate(attempt)) as AttemptRecord;
  }

  attemptById(id: number): AttemptRecord | undefined {
    const row = this.db.prepare('SELECT * FROM attempts WHERE id = ?').get(id) as AttemptRow | undefined;
    return row && toRecord(row);
  }

  /** The attempt recorded under a client submission id, if any (a retried request). */
  attemptBySubmissionId(submissionId: string): AttemptRecord | undefined {
    const row = this.db.prepare('SELECT * FROM attempts WHERE submission_id = ?').get(submissionId) as AttemptRow | undefined;
    return row && toRecord(row);
  }

  /** Attempts in submission order, optionally for one student and/or one question. */
  attempts(filter: { studentId?: string; assignmentId?: string; questionId?: string } = {}): AttemptRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM attempts WHERE (@studentId IS NULL OR student_id = @studentId) AND (@assignmentId IS NULL OR assignment_id = @assignmentId)
                AND (@questionId IS NULL OR question_id = @questionId) ORDER BY id`)
      .all({ studentId: filter.studentId ?? null, assignmentId: filter.assignmentId ?? null, questionId: filter.questionId ?? null }) as AttemptRow[];
    return rows.map(toRecord);
  }

  /** How many attempts a student made at one question since `since` (for the rate limit). */
  countAttemptsSince(studentId: string, assignmentId: string, questionId: string, since: Date): number {
    const row = this.db
      .prepare('SELECT COUNT(*) AS n FROM attempts WHERE student_id = ? AND assignment_id = ? AND question_id = ? AND created_at >= ?')
      .get(studentId, assignmentId, questionId, since.toISOString()) as { n: number };
    return row.n;
  }

  /** Best (highest score, earliest on ties) and latest attempt per student and question. */
  gradebook(): GradebookRow[] {
    const groups = this.db
      .prepare(`SELECT student_id, assignment_id, question_id, COUNT(*) AS attempts, SUM(claim_flagged) AS flagged,
                (SELECT id FROM attempts b WHERE b.student_id = a.student_id AND b.assignment_id = a.assignment_id AND b.question_id = a.question_id ORDER BY score DESC, id ASC LIMIT 1) AS best_id,
                MAX(id) AS latest_id
                FROM attempts a GROUP BY student_id, assignment_id, question_id ORDER BY student_id, assignment_id, question_id`)
      .all() as Array<{ student_id: string; assignment_id: string; question_id: string; attempts: number; flagged: number; best_id: number; latest_id: number }>;
    return groups.map((group) => {
      const latest = this.attemptById(group.latest_id) as AttemptRecord;
      return {
        studentId: group.student_id, name: latest.name, assignmentId: group.assignment_id, questionId: group.question_id, attempts: group.attempts,
        best: this.attemptById(group.best_id) as AttemptRecord, latest, flaggedClaims: group.flagged,
      };
    });
  }

  /** Stores a token hash; replaces an earlier token of the same student (re-issuing revokes the old one). */
  saveToken(token: TokenRecord): void {
    this.db.transaction(() => {
      if (token.role === 'student') this.db.prepare("DELETE FROM tokens WHERE role = 'student' AND student_id = ?").run(token.studentId);
      else this.db.prepare("DELETE FROM tokens WHERE role = 'instructor'").run();
      this.db.prepare('INSERT INTO tokens (token_hash, role, student_id, name, created_at) VALUES (?, ?, ?, ?, ?)').run(token.tokenHash, token.role, token.studentId, token.name, new Date().toISOString());
    }).immediate();
  }

  findToken(tokenHash: string): TokenRecord | undefined {
    const row = this.db.prepare('SELECT token_hash, role, student_id, name FROM tokens WHERE token_hash = ?').get(tokenHash) as
      | { token_hash: string; role: 'student' | 'instructor'; student_id: string | null; name: string | null } | undefined;
    return row && { tokenHash: row.token_hash, role: row.role, studentId: row.student_id, name: row.name };
  }

  close(): void {
    this.db.close();
  }
}

function finiteOrNull(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}

function toRecord(row: AttemptRow): AttemptRecord {
  return {
    id: row.id, createdAt: row.created_at, studentId: row.student_id, name: row.name, assignmentId: row.assignment_id, questionId: row.question_id,
    attemptNumber: row.attempt_number, claimed: row.claimed, measured: row.measured, score: row.score, maxPoints: row.max_points ?? 0,
    passed: row.passed === 1, claimFlagged: row.claim_flagged === 1, sha256: row.artifact_sha256, submissionId: row.submission_id,
    feedback: parseFeedback(row.feedback_json),
  };
}

// Rows written by hand or by an old grader may hold text that is not JSON; keep it readable rather than fail the listing.
function parseFeedback(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { unparsed: text };
  }
}
