// RFC 4180 CSV: writing (quoted where needed, CRLF, spreadsheet-formula guard) and reading (quoted fields, embedded newlines).

/** A cell: text, a number (written as is) or empty. */
export type CsvCell = string | number | boolean | null | undefined;

// Text starting with these is run as a formula by spreadsheets (OWASP "CSV injection"); such text gets a leading '.
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field, quoted when it holds a comma, quote, CR or LF (quotes doubled); text that could run as a formula is defused. */
export function csvField(cell: CsvCell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  const text = typeof cell === 'boolean' ? (cell ? 'true' : 'false') : FORMULA_START.test(cell) ? `'${cell}` : cell;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows to CSV text with CRLF line ends (RFC 4180), ending with a line break. */
export function toCsv(rows: ReadonlyArray<ReadonlyArray<CsvCell>>): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Thrown for CSV that is not RFC 4180 (an unclosed quote, text after a closing quote). */
export class CsvParseError extends Error {
  override readonly name = 'CsvParseError';
}

/** Parses RFC 4180 text (CRLF or LF line ends, quoted fields with "" escapes and line breaks); skips blank lines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark written by spreadsheet exports
  let line = 1;
  const endRow = (): void => {
    row.push(field);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    field = '';
  };
  while (i < text.length) {
    const char = text[i] as string;
    if (char === '"' && field === '') {
      const start = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new CsvParseError(`Unclosed quote in the field starting on line ${start}.`);
        const inner = text[i] as string;
        if (inner === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
        if (inner === '"') { i++; break; }
        if (inner === '\n') line++;
        field += inner;
        i++;
      }
      const after = text[i];
      if (after !== undefined && after !== ',' && after !== '\r' && after !== '\n') throw new CsvParseError(`Unexpected text after a closing quote on line ${line}.`);
      continue;
    }
    if (char === ',') { row.push(field); field = ''; i++; continue; }
    if (char === '\r' || char === '\n') {
      endRow();
      i += char === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      continue;
    }
    field += char;
    i++;
  }
  if (field !== '' || row.length > 0) endRow();
  return rows;
}
