// Per-student and instructor tokens: random, shown once, stored only as SHA-256 hashes.
import { createHash, randomBytes } from 'node:crypto';
import { parseCsv } from './csv.js';
import type { GradeStore } from './store.js';

/** A student on the class list. */
export interface Student {
  studentId: string;
  name: string;
}

/** A freshly issued token, to hand to its owner once. */
export interface IssuedToken extends Student {
  token: string;
}

// 24 random bytes = 192 bits: unguessable, so a plain SHA-256 (not a slow password hash) is enough to store it.
const TOKEN_BYTES = 24;

/** A new random token, URL-safe, prefixed so it is recognizable in a leaked file. */
export function generateToken(): string {
  return `mgt_${randomBytes(TOKEN_BYTES).toString('base64url')}`;
}

/** The stored form of a token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Issues (or re-issues, revoking the old) one token per student; returns the plain tokens. */
export function issueStudentTokens(store: GradeStore, students: readonly Student[]): IssuedToken[] {
  return students.map((student) => {
    const token = generateToken();
    store.saveToken({ tokenHash: hashToken(token), role: 'student', studentId: student.studentId, name: student.name });
    return { ...student, token };
  });
}

/** Issues the instructor token (replacing any earlier one); it reads the gradebook and every student's attempts. */
export function issueInstructorToken(store: GradeStore): string {
  const token = generateToken();
  store.saveToken({ tokenHash: hashToken(token), role: 'instructor', studentId: null, name: null });
  return token;
}

/** Thrown for a class list that cannot be read; says which column or line is wrong. */
export class StudentListError extends Error {
  override readonly name = 'StudentListError';
}

const ID_HEADERS = ['student_id', 'studentid', 'student id', 'id'];
const NAME_HEADERS = ['name', 'student name', 'full name'];

/** Reads a class list CSV with a header row naming a student id column (student_id or id) and a name column. */
export function parseStudentsCsv(text: string): Student[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new StudentListError('The class list is empty; expected a header row "student_id,name" and one row per student.');
  const lower = header.map((cell) => cell.trim().toLowerCase());
  const idColumn = lower.findIndex((cell) => ID_HEADERS.includes(cell));
  const nameColumn = lower.findIndex((cell) => NAME_HEADERS.includes(cell));
  if (idColumn < 0 || nameColumn < 0) throw new StudentListError(`The class list header is ${JSON.stringify(header)}; expected columns student_id and name.`);
  const seen = new Set<string>();
  return rows.map((row, i) => {
    const studentId = (row[idColumn] ?? '').trim();
    const name = (row[nameColumn] ?? '').trim();
    if (!studentId) throw new StudentListError(`Row ${i + 2} of the class list has no student_id.`);
    if (seen.has(studentId)) throw new StudentListError(`Student id ${studentId} appears twice in the class list (row ${i + 2}).`);
    seen.add(studentId);
    return { studentId, name };
  });
}
