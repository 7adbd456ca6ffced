#!/usr/bin/env node
// `npm run course`: run the notebooks headless through the tslab kernel, or check / strip their outputs.
import { main } from './command.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exitCode = 2;
  },
);
