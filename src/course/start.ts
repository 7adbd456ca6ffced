#!/usr/bin/env node
// `npm start`: opens the course notebooks in Jupyter with this project's TypeScript kernel.
import { startJupyter } from './jupyter.js';

startJupyter().then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
