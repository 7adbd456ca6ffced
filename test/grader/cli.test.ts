import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { USAGE, main } from '../../grader/cli.js';
import { parseCsv } from '../../grader/csv.js';
import { GradeStore } from '../../grader/store.js';
import { hashToken } from '../../grader/tokens.js';
import { tempDir } from './fixtures.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (text) => { out += text; }, err: (text) => { err += text; } });
  return { code, out, err };
}

describe('grader CLI', () => {
  it('prints usage with exit code 2 for no command and for unknown commands or flags', async () => {
    expect(await run()).toMatchObject({ code: 2, out: `${USAGE}\n` });
    const unknown = await run('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('Unknown command "frobnicate"');
    expect((await run('export', '--colour', 'red')).err).toMatch(/Unknown option '--colour'/);
    expect((await run('show')).err).toContain('Missing --student');
    expect((await run('export', '--format', 'xml')).err).toContain('--format must be long or wide');
  });

  it('issues student tokens from a class list into a file and keeps only their hashes', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'g.sqlite');
    writeFileSync(path.join(dir, 'class.csv'), 'student_id,name\r\ns1,"Lovelace, Ada"\r\ns2,Alan Turing\r\n');
    const result = await run('tokens', '--students', path.join(dir, 'class.csv'), '--out', path.join(dir, 'tokens.csv'), '--instructor', '--db', db);
    expect(result.code).toBe(0);
    const [header, ...rows] = parseCsv(readFileSync(path.join(dir, 'tokens.csv'), 'utf8'));
    expect(header).toEqual(['student_id', 'name', 'token']);
    expect(rows.map((r) => r.slice(0, 2))).toEqual([['s1', 'Lovelace, Ada'], ['s2', 'Alan Turing']]);
    const store = GradeStore.open({ path: db });
    expect(store.findToken(hashToken(rows[0]?.[2] as string))).toMatchObject({ role: 'student', studentId: 's1' });
    const instructor = /Instructor token \(shown once\): (\S+)/.exec(result.out)?.[1] as string;
    expect(store.findToken(hashToken(instructor))?.role).toBe('instructor');
    store.close();
  });

  it('exports the gradebook and shows a student\'s attempts', async () => {
    const db = path.join(tempDir(), 'g.sqlite');
    const store = GradeStore.open({ path: db });
    store.recordAttempt({ studentId: 's1', name: '=cmd()', assignmentId: 'a', questionId: 'q', claimed: null, measured: 0.97, score: 60, maxPoints: 100, passed: false, claimFlagged: false, sha256: 'f'.repeat(64), submissionId: null, feedback: {} });
    store.close();
    const long = await run('export', '--db', db);
    expect(parseCsv(long.out)[1]?.slice(0, 2)).toEqual(['s1', "'=cmd()"]);
    const wide = await run('export', '--db', db, '--format', 'wide');
    expect(parseCsv(wide.out)).toEqual([['student_id', 'name', 'a/q', 'total'], ['s1', "'=cmd()", '60', '60']]);
    const shown = await run('show', '--student', 's1', '--db', db);
    expect(shown.out).toMatch(/a\/q {2}attempt 1 {2}60\/100 {2}measured 97\.00%/);
  });

  it('lists the course exercises with their thresholds', async () => {
    const { out } = await run('exercises');
    expect(out).toContain('13_pytorch-mnist/00_mnist-data  100 points  mnist test accuracy >= 99.8%');
    expect(out).toContain('13_pytorch-mnist/01_fashion-mnist-data');
    expect(out).toContain('14_sgd-from-scratch/00_gradient');
  });

  it('grades a local code submission from a file with submit', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'gradient.js'), 'function gradient(X, Y, W) { return W.map((row) => row.map(() => 0)); }');
    const result = await run('submit', '--student', 's9', '--name', 'Nine', '--assignment', '14_sgd-from-scratch', '--question', '00_gradient', '--code', path.join(dir, 'gradient.js'), '--db', path.join(dir, 'g.sqlite'), '--server', '');
    expect(result.code).toBe(1); // graded, not passed
    expect(result.out).toContain('Hidden test cases');
    expect((await run('submit', '--student', 's9')).err).toContain('Missing --name, --assignment, --question');
  });
});
