// Turns a grade into feedback a student can learn from: Markdown for notebooks, plain text for terminals.
import type { GradeResult } from './grade.js';
import type { AttemptRecord } from './store.js';

/** What the feedback describes: the grade and, once recorded, the attempt. */
export interface FeedbackInput {
  result: GradeResult;
  attempt?: Pick<AttemptRecord, 'attemptNumber' | 'createdAt' | 'studentId'>;
  identicalTo?: number | null;
  /** Where the result was recorded: a server URL or a local database path. */
  recordedAt?: string;
}

const pct = (fraction: number, digits = 2): string => `${(fraction * 100).toFixed(digits)}%`;

/** Feedback as Markdown (headings, a table for the confusion matrix). */
export function feedbackMarkdown(input: FeedbackInput): string {
  const { result, attempt } = input;
  const lines: string[] = [];
  const verdict = result.passed ? 'PASSED' : 'NOT PASSED';
  lines.push(`### ${result.title}: ${verdict}, ${result.score} / ${result.points} points`);
  if (attempt) lines.push(`Attempt ${attempt.attemptNumber} by ${attempt.studentId}, recorded ${attempt.createdAt}${input.recordedAt ? ` (${input.recordedAt})` : ''}.`);
  if (input.identicalTo) lines.push(`This submission is identical to your attempt ${input.identicalTo}.`);
  lines.push('');
  if (result.accuracy) {
    const { accuracy, standardError, interval95, correct, total } = result.accuracy;
    lines.push(`- **Measured accuracy**: ${pct(accuracy)} (${correct} of ${total} test images), standard error ${pct(standardError, 3)} = sqrt(p(1-p)/n).`);
    lines.push(`- **95% interval**: ${pct(interval95[0])} to ${pct(interval95[1])}.`);
    lines.push(`- **Pass rule**: measured accuracy >= ${pct(result.threshold)}, no margin either way.`);
    if (result.evaluatedOn) lines.push(`- **Evaluated on**: ${result.evaluatedOn}.`);
  } else if (result.kind === 'code-function' && result.measured !== null) {
    lines.push(`- **Hidden tests passed**: ${result.cases.filter((c) => c.passed).length} of ${result.cases.length} (pass rule: ${pct(result.threshold, 0)} of them).`);
  }
  if (result.claim) lines.push(`- **Claimed**: ${Number.isNaN(result.claim.claimed) ? 'not a number' : pct(result.claim.claimed)}; ${result.claim.flagged ? `**flagged**: differs by more than ${pct(result.claim.margin)}` : `agrees within ${pct(result.claim.margin)}`}.`);
  if (result.creditFraction > 0 && !result.passed) lines.push(`- **Partial credit**: ${pct(result.creditFraction, 0)} of the points.`);
  if (result.model) lines.push(`- **Model**: ${result.model.paramCount.toLocaleString('en-US')} parameters, input ${JSON.stringify(result.model.inputShape)}, layers ${summarizeLayers(result.model.layerClasses)}.`);
  if (result.constraints.length > 0) {
    lines.push('', '**Constraints**', '');
    for (const check of result.constraints) lines.push(`- ${check.passed ? 'ok' : 'FAILED'}: ${check.message}`);
  }
  if (result.cases.length > 0) {
    lines.push('', '**Hidden test cases** (shapes [n, d, k])', '');
    for (const c of result.cases) lines.push(`- ${c.passed ? 'ok' : 'FAILED'} [${c.shape.join(', ')}]: ${c.message}`);
  }
  if (result.confusion) lines.push('', '**Confusion matrix** (rows: true class, columns: predicted)', '', ...confusionTable(result.confusion));
  if (result.misclassifiedCount) {
    const shown = result.misclassified.slice(0, 30).map((m) => `${m.index} (${m.label} as ${m.predicted})`);
    lines.push('', `**Misclassified**: ${result.misclassifiedCount} images. First ones, by test-set index: ${shown.join(', ')}${result.misclassifiedCount > shown.length ? ', ...' : ''}.`);
  }
  if (result.notes.length > 0) lines.push('', ...result.notes.map((note) => `> ${note}`));
  return lines.join('\n');
}

/** Feedback as plain text for terminals (the Markdown without emphasis marks). */
export function feedbackText(input: FeedbackInput): string {
  return markdownToText(feedbackMarkdown(input));
}

/** Strips the Markdown marks feedbackMarkdown uses, for terminals and logs. */
export function markdownToText(markdown: string): string {
  return markdown.replace(/\*\*/g, '').replace(/^### /gm, '').replace(/^> /gm, 'note: ');
}

function confusionTable(matrix: number[][]): string[] {
  const header = `| true \\ pred | ${matrix.map((_, j) => j).join(' | ')} |`;
  const rule = `|---|${matrix.map(() => '---:').join('|')}|`;
  const rows = matrix.map((row, i) => `| **${i}** | ${row.map((count, j) => (i === j ? String(count) : count === 0 ? '.' : `**${count}**`)).join(' | ')} |`);
  return [header, rule, ...rows];
}

function summarizeLayers(classes: string[]): string {
  const counts = new Map<string, number>();
  for (const name of classes) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts.entries()].map(([name, count]) => (count > 1 ? `${name} x${count}` : name)).join(', ');
}
