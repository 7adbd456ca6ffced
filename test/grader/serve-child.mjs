// Child process for the crash test: runs `grader serve` from the TypeScript sources (through Vite's module runner).
import { runnerImport } from 'vite';

const [root, db] = process.argv.slice(2);
const { module } = await runnerImport(`${root}/grader/cli.ts`, { root, logLevel: 'silent' });
process.exitCode = await module.main(['serve', '--db', db, '--port', '0']);
