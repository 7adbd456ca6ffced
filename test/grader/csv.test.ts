import { describe, expect, it } from 'vitest';
import { CsvParseError, csvField, parseCsv, toCsv } from '../../grader/csv.js';
import { LONG_HEADER, gradebookLongCsv, gradebookWideCsv } from '../../grader/export.js';
import type { AttemptRecord, GradebookRow } from '../../grader/store.js';
import { StudentListError, parseStudentsCsv } from '../../grader/tokens.js';

describe('CSV writing (RFC 4180)', () => {
  it('quotes fields with commas, quotes and line breaks, doubling quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('Lovelace, Ada')).toBe('"Lovelace, Ada"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(0.5)).toBe('0.5');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
  });

  it('ends every record with CRLF and round-trips through the parser', () => {
    const rows = [['id', 'name'], ['1', 'Lovelace, "Ada"\r\nCountess'], ['2', '']];
    const text = toCsv(rows);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.split('\r\n')[0]).toBe('id,name');
    expect(parseCsv(text)).toEqual(rows);
  });

  it('rejects an unclosed quote', () => {
    expect(() => parseCsv('a,"b\n')).toThrow(CsvParseError);
  });
});

describe('class lists', () => {
  it('reads student_id and name columns, with a BOM and LF line ends', () => {
    expect(parseStudentsCsv('\ufeffname,student_id\n"Lovelace, Ada",s1\nAlan Turing,s2\n')).toEqual([
      { studentId: 's1', name: 'Lovelace, Ada' }, { studentId: 's2', name: 'Alan Turing' },
    ]);
  });

  it('says which column or row is wrong', () => {
    expect(() => parseStudentsCsv('email,name\n')).toThrow(/expected columns student_id and name/);
    expect(() => parseStudentsCsv('student_id,name\ns1,A\ns1,B\n')).toThrow(StudentListError);
  });
});

describe('gradebook export', () => {
  const record = (attemptNumber: number, score: number): AttemptRecord => ({
    id: attemptNumber, createdAt: `2026-01-0${attemptNumber}T00:00:00.000Z`, studentId: 's1', name: 'Lovelace, Ada', assignmentId: '13_pytorch-mnist',
    questionId: '00_mnist-data', attemptNumber, claimed: null, measured: score / 100, score, maxPoints: 100, passed: score === 100, claimFlagged: false,
    sha256: null, submissionId: null, feedback: {},
  });
  const rows: GradebookRow[] = [{ studentId: 's1', name: 'Lovelace, Ada', assignmentId: '13_pytorch-mnist', questionId: '00_mnist-data', attempts: 2, best: record(1, 90), latest: record(2, 60), flaggedClaims: 1 }];

  it('writes one long row per student and question with best and latest attempts', () => {
    const parsed = parseCsv(gradebookLongCsv(rows));
    expect(parsed[0]).toEqual([...LONG_HEADER]);
    expect(parsed[1]).toEqual(['s1', 'Lovelace, Ada', '13_pytorch-mnist', '00_mnist-data', '2', '100', '90', '0.9', '1', '2026-01-01T00:00:00.000Z', 'false', '60', '0.6', '2', '2026-01-02T00:00:00.000Z', '1']);
  });

  it('writes one wide row per student with a best-score column per question and a total', () => {
    expect(parseCsv(gradebookWideCsv(rows))).toEqual([['student_id', 'name', '13_pytorch-mnist/00_mnist-data', 'total'], ['s1', 'Lovelace, Ada', '90', '90']]);
  });
});
