// The gradebook as CSV: one row per student and question (long), or one row per student (wide, for LMS import).
import { toCsv } from './csv.js';
import type { CsvCell } from './csv.js';
import type { GradebookRow } from './store.js';

/** Long format: every column a spreadsheet needs to audit a grade. */
export const LONG_HEADER = [
  'student_id', 'name', 'assignment_id', 'question_id', 'attempts', 'max_points',
  'best_score', 'best_measured', 'best_attempt', 'best_submitted_at', 'best_passed',
  'latest_score', 'latest_measured', 'latest_attempt', 'latest_submitted_at', 'flagged_claims',
] as const;

/** One row per student and question, best and latest attempt side by side. */
export function gradebookLongCsv(rows: readonly GradebookRow[]): string {
  const body = rows.map((row): CsvCell[] => [
    row.studentId, row.name, row.assignmentId, row.questionId, row.attempts, row.latest.maxPoints,
    row.best.score, row.best.measured, row.best.attemptNumber, row.best.createdAt, row.best.passed,
    row.latest.score, row.latest.measured, row.latest.attemptNumber, row.latest.createdAt, row.flaggedClaims,
  ]);
  return toCsv([[...LONG_HEADER], ...body]);
}

/**
 * One row per student, one column per question holding the best score: the shape LMS gradebook imports
 * (Moodle, Canvas, Blackboard) map onto grade items by column; the id column matches their student id field.
 */
export function gradebookWideCsv(rows: readonly GradebookRow[]): string {
  const questions = [...new Set(rows.map((row) => `${row.assignmentId}/${row.questionId}`))].sort();
  const students = new Map<string, { name: string; scores: Map<string, number> }>();
  for (const row of rows) {
    const entry = students.get(row.studentId) ?? { name: row.name, scores: new Map<string, number>() };
    entry.scores.set(`${row.assignmentId}/${row.questionId}`, row.best.score);
    students.set(row.studentId, entry);
  }
  const body = [...students.entries()].map(([studentId, entry]): CsvCell[] => {
    const scores = questions.map((question) => entry.scores.get(question) ?? null);
    const total = scores.reduce<number>((sum, score) => sum + (score ?? 0), 0);
    return [studentId, entry.name, ...scores, Math.round(total * 100) / 100];
  });
  return toCsv([['student_id', 'name', ...questions, 'total'], ...body]);
}
