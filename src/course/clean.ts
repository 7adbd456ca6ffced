// Notebooks are committed without outputs: find the ones that carry outputs, and strip them in place.
import { readFileSync } from 'node:fs';
import { findUncleanCells, readNotebook, serializeNotebook, stripOutputs, writeNotebook, type UncleanCell } from './notebook.js';

export interface UncleanNotebook { path: string; cells: UncleanCell[] }

/** The notebooks among `paths` that carry outputs, execution counts or timing; empty when all are clean. */
export function findUncleanNotebooks(paths: readonly string[]): UncleanNotebook[] {
  return paths
    .map((path) => ({ path, cells: findUncleanCells(readNotebook(path)) }))
    .filter((notebook) => notebook.cells.length > 0);
}

/** Strips outputs in place (Jupyter's file layout); returns the paths whose bytes changed. */
export function cleanNotebooks(paths: readonly string[]): string[] {
  return paths.filter((path) => {
    const before = readFileSync(path, 'utf8');
    const cleaned = stripOutputs(readNotebook(path));
    if (serializeNotebook(cleaned) === before) return false;
    writeNotebook(path, cleaned);
    return true;
  });
}
