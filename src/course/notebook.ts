// nbformat 4 notebooks as data: read, write in Jupyter's layout, strip outputs, check cleanliness, inject parameters.
import { readFileSync, writeFileSync } from 'node:fs';

/** nbformat stores multi-line text either as one string or as a list of lines that keep their '\n'. */
export type MultilineString = string | string[];

/** MIME type → data: strings (text, base64 images) or JSON values for `application/…+json` types. */
export type MimeData = Record<string, unknown>;

export interface StreamOutput { output_type: 'stream'; name: 'stdout' | 'stderr'; text: MultilineString }
export interface DisplayDataOutput { output_type: 'display_data'; data: MimeData; metadata: Record<string, unknown> }
export interface ExecuteResultOutput {
  output_type: 'execute_result'; execution_count: number | null; data: MimeData; metadata: Record<string, unknown>;
}
export interface ErrorOutput { output_type: 'error'; ename: string; evalue: string; traceback: string[] }
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface CellMetadata { tags?: string[]; [key: string]: unknown }

export interface CodeCell {
  cell_type: 'code'; id?: string; metadata: CellMetadata; source: MultilineString;
  outputs: Output[]; execution_count: number | null;
}
export interface TextCell { cell_type: 'markdown' | 'raw'; id?: string; metadata: CellMetadata; source: MultilineString; attachments?: unknown }
export type Cell = CodeCell | TextCell;

export interface Notebook { nbformat: 4; nbformat_minor: number; metadata: Record<string, unknown>; cells: Cell[] }

/** Papermill's tag for the cell whose values a runner may override. */
export const PARAMETERS_TAG = 'parameters';
/** Tag of the cell the runner inserts after the parameters cell (papermill's name). */
export const INJECTED_PARAMETERS_TAG = 'injected-parameters';

/** The file is not an nbformat 4 notebook. */
export class NotebookFormatError extends Error {
  override name = 'NotebookFormatError';
}

/** Reads and checks a notebook file. */
export function readNotebook(path: string): Notebook {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new NotebookFormatError(`Expected ${path} to be a JSON notebook file: ${String(error)}`);
  }
  const notebook = value as Partial<Notebook> | null;
  if (notebook === null || typeof notebook !== 'object' || notebook.nbformat !== 4 || !Array.isArray(notebook.cells)) {
    throw new NotebookFormatError(`Expected ${path} to be an nbformat 4 notebook (nbformat: 4, cells: [...]), got nbformat ${String(notebook?.nbformat)}. Re-save it with Jupyter.`);
  }
  return notebook as Notebook;
}

/** Jupyter's on-disk layout (sorted keys, one-space indent, text split into lines), so diffs stay minimal. */
export function serializeNotebook(notebook: Notebook): string {
  return `${JSON.stringify(sortKeys(splitNotebookLines(notebook)), null, 1)}\n`;
}

export function writeNotebook(path: string, notebook: Notebook): void {
  writeFileSync(path, serializeNotebook(notebook));
}

/** A cell's source as one string. */
export function joinLines(text: MultilineString): string {
  return Array.isArray(text) ? text.join('') : text;
}

/** Splits text after each '\n', like Python's `str.splitlines(keepends=True)` as nbformat uses it. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** A copy without outputs, execution counts or execution timing: what we commit. */
export function stripOutputs(notebook: Notebook): Notebook {
  return {
    ...notebook,
    cells: notebook.cells.map((cell) => {
      if (cell.cell_type !== 'code') return cell;
      const { execution: _timing, ...metadata } = cell.metadata;
      return { ...cell, metadata, outputs: [], execution_count: null };
    }),
  };
}

/** Why a committed notebook is not clean, per offending cell (1-based position). */
export interface UncleanCell { cell: number; problem: string }

/** Code cells that carry outputs, an execution count or timing metadata; empty when the notebook is clean. */
export function findUncleanCells(notebook: Notebook): UncleanCell[] {
  const problems: UncleanCell[] = [];
  notebook.cells.forEach((cell, index) => {
    if (cell.cell_type !== 'code') return;
    if (cell.outputs.length > 0) problems.push({ cell: index + 1, problem: `${cell.outputs.length} output(s)` });
    if (cell.execution_count !== null) problems.push({ cell: index + 1, problem: `execution_count ${cell.execution_count}` });
    if (cell.metadata.execution !== undefined) problems.push({ cell: index + 1, problem: 'execution timing metadata' });
  });
  return problems;
}

/** Index of the first code cell tagged `parameters`, or -1. */
export function findParametersCell(notebook: Notebook): number {
  return notebook.cells.findIndex((cell) => cell.cell_type === 'code' && (cell.metadata.tags ?? []).includes(PARAMETERS_TAG));
}

/** JSON-compatible parameter values; each becomes `const name = <JSON>;` in the injected cell. */
export type ParameterValue = string | number | boolean | null;

/**
 * TypeScript source that overrides parameters. tslab lets a later cell redeclare a `const` of an earlier one,
 * so `const mode = "quick";` after `const mode = courseMode();` replaces it for all later cells.
 */
export function parametersSource(parameters: Record<string, ParameterValue>): string {
  const lines = Object.entries(parameters).map(([name, value]) => {
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) {
      throw new NotebookFormatError(`Expected a parameter name that is a TypeScript identifier, got '${name}'.`);
    }
    return `const ${name} = ${JSON.stringify(value)};`;
  });
  return ['// Parameters injected by the course runner.', ...lines].join('\n');
}

/**
 * Inserts a cell tagged `injected-parameters` after the `parameters` cell (papermill's convention).
 * Returns the notebook unchanged and `injectedAt: -1` when there is no parameters cell or nothing to inject.
 */
export function injectParameters(notebook: Notebook, parameters: Record<string, ParameterValue>): { notebook: Notebook; injectedAt: number } {
  const parametersAt = findParametersCell(notebook);
  if (parametersAt < 0 || Object.keys(parameters).length === 0) return { notebook, injectedAt: -1 };
  const injected: CodeCell = {
    cell_type: 'code',
    id: 'injected-parameters',
    metadata: { tags: [INJECTED_PARAMETERS_TAG] },
    source: parametersSource(parameters),
    outputs: [],
    execution_count: null,
  };
  const cells = [...notebook.cells.slice(0, parametersAt + 1), injected, ...notebook.cells.slice(parametersAt + 1)];
  return { notebook: { ...notebook, cells }, injectedAt: parametersAt + 1 };
}

function splitNotebookLines(notebook: Notebook): Notebook {
  const splitData = (data: MimeData): MimeData => Object.fromEntries(Object.entries(data).map(([mime, value]) => [
    mime,
    typeof value === 'string' && !isJsonMime(mime) ? splitLines(value) : value,
  ]));
  const splitOutput = (output: Output): Output => {
    if (output.output_type === 'stream') return { ...output, text: splitLines(joinLines(output.text)) };
    if (output.output_type === 'error') return output;
    return { ...output, data: splitData(output.data) };
  };
  return {
    ...notebook,
    cells: notebook.cells.map((cell) => ({
      ...cell,
      source: splitLines(joinLines(cell.source)),
      ...(cell.cell_type === 'code' ? { outputs: cell.outputs.map(splitOutput) } : {}),
    })),
  };
}

/** nbformat keeps JSON MIME types as JSON values, never as split strings. */
export function isJsonMime(mime: string): boolean {
  return mime === 'application/json' || /^application\/.+\+json$/.test(mime);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]));
}
