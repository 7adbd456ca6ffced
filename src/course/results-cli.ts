#!/usr/bin/env node
// `npm run results`: regenerate RESULTS.md from the committed full-run reports in results/.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readReports, renderResults } from './results.js';

const RESULTS_DIR = 'results';
const args = process.argv.slice(2);
const paths = args.length > 0 ? args : readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json')).sort().map((f) => join(RESULTS_DIR, f));
writeFileSync('RESULTS.md', renderResults(readReports(paths), paths));
console.log(`RESULTS.md written from ${paths.join(', ')}`);
