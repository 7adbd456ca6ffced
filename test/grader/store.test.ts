import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, SchemaTooNewError, migrate } from '../../grader/migrations.js';
import { DATABASE_ENV, GradeStore, defaultDatabasePath } from '../../grader/store.js';
import type { NewAttempt } from '../../grader/store.js';
import { tempDir } from './fixtures.js';

const attempt = (overrides: Partial<NewAttempt> = {}): NewAttempt => ({
  studentId: 's1', name: 'Ada', assignmentId: '13_pytorch-mnist', questionId: '00_mnist-data', claimed: 0.99, measured: 0.98, score: 60,
  maxPoints: 100, passed: false, claimFlagged: false, sha256: 'abc', submissionId: null, feedback: { passed: false }, ...overrides,
});

describe('GradeStore', () => {
  it('opens in WAL mode at the latest schema version', () => {
    const store = GradeStore.open({ path: path.join(tempDir(), 'g.sqlite') });
    expect(store.schemaVersion).toBe(MIGRATIONS.at(-1)?.version);
    store.close();
    const raw = new Database(store.path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('numbers attempts per student and question and keeps every one', () => {
    const store = GradeStore.open({ path: path.join(tempDir(), 'g.sqlite') });
    const first = store.recordAttempt(attempt());
    const second = store.recordAttempt(attempt({ score: 90 }));
    const other = store.recordAttempt(attempt({ studentId: 's2' }));
    expect([first.attemptNumber, second.attemptNumber, other.attemptNumber]).toEqual([1, 2, 1]);
    expect(store.attempts({ studentId: 's1' })).toHaveLength(2);
    expect(store.gradebook().find((row) => row.studentId === 's1')).toMatchObject({ attempts: 2, best: { score: 90 }, latest: { attemptNumber: 2 } });
    store.close();
  });

  it('records a retried submission id once', () => {
    const store = GradeStore.open({ path: path.join(tempDir(), 'g.sqlite') });
    const a = store.recordAttempt(attempt({ submissionId: 'retry-1' }));
    const b = store.recordAttempt(attempt({ submissionId: 'retry-1' }));
    expect(b.id).toBe(a.id);
    expect(store.attempts()).toHaveLength(1);
    store.close();
  });

  it('stores non-finite claims as no claim', () => {
    const store = GradeStore.open({ path: ':memory:' });
    expect(store.recordAttempt(attempt({ claimed: Number.NaN })).claimed).toBeNull();
    store.close();
  });

  it('defaults to $MNIST_GRADER_DB, else a file under the user data folder', () => {
    expect(defaultDatabasePath({ [DATABASE_ENV]: '/tmp/x.sqlite' })).toBe('/tmp/x.sqlite');
    expect(defaultDatabasePath({})).toMatch(/mnist-course[\\/]grader\.sqlite$/);
  });
});

describe('migrations', () => {
  it('upgrades a version 1 file, keeping its attempts and numbering them', () => {
    const file = path.join(tempDir(), 'v1.sqlite');
    const v1 = new Database(file);
    migrate(v1, MIGRATIONS.slice(0, 1));
    expect(v1.pragma('user_version', { simple: true })).toBe(1);
    const insert = v1.prepare(`INSERT INTO attempts (created_at, student_id, name, assignment_id, question_id, claimed, measured, score, feedback_json)
                               VALUES (?, ?, 'Ada', 'a', 'q', NULL, ?, ?, ?)`);
    insert.run('2026-01-01T00:00:00Z', 's1', 0.9, 40, '{"passed":false}');
    insert.run('2026-01-02T00:00:00Z', 's1', 0.999, 100, '{"passed":true}');
    insert.run('2026-01-02T00:00:00Z', 's2', 0.5, 0, 'not json');
    v1.close();

    const store = GradeStore.open({ path: file });
    expect(store.schemaVersion).toBe(3);
    const rows = store.attempts();
    expect(rows.map((r) => [r.studentId, r.attemptNumber, r.passed, r.sha256])).toEqual([['s1', 1, false, null], ['s1', 2, true, null], ['s2', 1, false, null]]);
    expect(store.recordAttempt(attempt({ assignmentId: 'a', questionId: 'q' })).attemptNumber).toBe(3);
    store.close();
  });

  it('refuses a file from a newer grader', () => {
    const db = new Database(':memory:');
    db.pragma('user_version = 99');
    expect(() => migrate(db, MIGRATIONS)).toThrow(SchemaTooNewError);
  });

  it('rolls back a failing migration whole', () => {
    const db = new Database(':memory:');
    const broken = [...MIGRATIONS.slice(0, 1), { version: 2, description: 'broken', up: 'CREATE TABLE t (x); SELECT * FROM missing_table;' }];
    expect(() => migrate(db, broken)).toThrow(/missing_table/);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 't'").get()).toEqual({ n: 0 });
  });
});
