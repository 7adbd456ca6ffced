import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SGD_GRADIENT_EXERCISE } from '../../grader/exercises.js';
import { GradeStore } from '../../grader/store.js';
import { storeWithTokens } from './fixtures.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const [ASSIGNMENT, QUESTION] = SGD_GRADIENT_EXERCISE.id.split('/') as [string, string];
const CODE = 'function gradient(X, Y, W) { return W.map((row) => row.map(() => 0)); }';

describe('a server killed mid-run', () => {
  it('loses no acknowledged submission (SIGKILL while submissions are in flight)', async () => {
    const { store, dbPath, students } = storeWithTokens(8);
    store.close();
    const child = spawn(process.execPath, [path.join(import.meta.dirname, 'serve-child.mjs'), ROOT, dbPath], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TFJS_BACKEND: 'cpu' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const url = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(stdout);
        if (match) resolve(match[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${stderr}`)));
      setTimeout(() => reject(new Error(`server did not start: ${stdout} ${stderr}`)), 60_000);
    });

    const acknowledged: Array<{ submissionId: string; id: number }> = [];
    let killed = false;
    let started = 0;
    const loop = async (token: string, student: number): Promise<void> => {
      for (let i = 0; i < 20 && !killed; i++) {
        const submissionId = `crash-${student}-${i}`;
        started++;
        try {
          const response = await fetch(`${url}/v1/submissions`, {
            method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ assignmentId: ASSIGNMENT, questionId: QUESTION, answer: { code: CODE }, submissionId }),
          });
          if (response.status === 201) acknowledged.push({ submissionId, id: ((await response.json()) as { attempt: { id: number } }).attempt.id });
        } catch {
          return; // the connection died with the server: not acknowledged
        }
      }
    };
    const loops = students.map((s, i) => loop(s.token, i));
    while (acknowledged.length < 10) await new Promise((resolve) => setTimeout(resolve, 20));
    killed = true;
    child.kill('SIGKILL');
    await Promise.all(loops);
    await new Promise((resolve) => child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve));

    const raw = new Database(dbPath);
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();
    const reopened = GradeStore.open({ path: dbPath });
    const stored = new Map(reopened.attempts().map((a) => [a.submissionId, a.id]));
    expect(acknowledged.length).toBeGreaterThanOrEqual(10);
    expect(started).toBeGreaterThan(acknowledged.length); // some were in flight when the server died
    for (const ack of acknowledged) expect(stored.get(ack.submissionId)).toBe(ack.id);
    expect(new Set(reopened.attempts().map((a) => a.submissionId)).size).toBe(reopened.attempts().length);
    reopened.close();
  });
});
