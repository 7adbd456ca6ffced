import { describe, expect, it } from 'vitest';
import { parseCliArgs, parseParameter, UsageError } from '../../src/course/command.js';

describe('parseCliArgs', () => {
  it('runs every notebook in full mode by default', () => {
    expect(parseCliArgs([])).toEqual({
      notebooks: [], mode: 'full', parameters: {}, cellTimeoutMs: undefined,
      outDir: 'out/course', notebooksDir: 'notebooks', action: 'run',
    });
  });

  it('reads notebooks, quick mode, parameters, timeout and folders', () => {
    expect(parseCliArgs(['03_mlp', '--quick', '-p', 'epochs=2', '--param', 'name=lenet', '--timeout', '90', '--out', 'o', '--notebooks-dir', 'n'])).toEqual({
      notebooks: ['03_mlp'], mode: 'quick', parameters: { epochs: 2, name: 'lenet' }, cellTimeoutMs: 90_000,
      outDir: 'o', notebooksDir: 'n', action: 'run',
    });
    expect(parseCliArgs(['--mode', 'quick']).mode).toBe('quick');
  });

  it('picks the clean, check and help actions', () => {
    expect(parseCliArgs(['--clean']).action).toBe('clean');
    expect(parseCliArgs(['--check-clean']).action).toBe('check-clean');
    expect(parseCliArgs(['-h']).action).toBe('help');
  });

  it('rejects contradictions, bad timeouts and unknown flags with a usage error', () => {
    expect(() => parseCliArgs(['--quick', '--full'])).toThrow(UsageError);
    expect(() => parseCliArgs(['--timeout', '0'])).toThrow(/positive number of seconds, got '0'/);
    expect(() => parseCliArgs(['--fast'])).toThrow(/Usage: npm run course/);
  });
});

describe('parseParameter', () => {
  it('parses JSON scalars and keeps anything else as a string', () => {
    expect(parseParameter('lr=0.01')).toEqual(['lr', 0.01]);
    expect(parseParameter('shuffle=false')).toEqual(['shuffle', false]);
    expect(parseParameter('model=cnn')).toEqual(['model', 'cnn']);
    expect(parseParameter('sizes=[1,2]')).toEqual(['sizes', '[1,2]']);
    expect(parseParameter('eq=a=b')).toEqual(['eq', 'a=b']);
  });

  it('needs a name before the equals sign', () => {
    expect(() => parseParameter('=1')).toThrow(/Expected -p name=value/);
  });
});
