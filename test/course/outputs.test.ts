import { describe, expect, it } from 'vitest';
import type { Output } from '../../src/course/notebook.js';
import { errorFromStderr, OutputCollector } from '../../src/course/outputs.js';
import { buildMessage } from '../../src/course/protocol.js';

const message = (type: string, content: Record<string, unknown>) => buildMessage(type, content, 'session');
const stderr = (text: string): Output => ({ output_type: 'stream', name: 'stderr', text });

describe('OutputCollector', () => {
  it('merges consecutive chunks of the same stream and keeps stdout and stderr apart', () => {
    const outputs: Output[] = [];
    const collector = new OutputCollector();
    for (const [name, text] of [['stdout', 'a'], ['stdout', 'b\n'], ['stderr', 'w\n'], ['stdout', 'c\n']]) {
      collector.handle(outputs, message('stream', { name, text }));
    }
    expect(outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'ab\n' },
      { output_type: 'stream', name: 'stderr', text: 'w\n' },
      { output_type: 'stream', name: 'stdout', text: 'c\n' },
    ]);
  });

  it('updates a display in place, even one shown in an earlier cell', () => {
    const collector = new OutputCollector();
    const first: Output[] = [];
    const second: Output[] = [];
    collector.handle(first, message('display_data', { data: { 'text/plain': 'epoch 1' }, metadata: {}, transient: { display_id: 'd1' } }));
    collector.handle(second, message('stream', { name: 'stdout', text: 'x\n' }));
    collector.handle(second, message('update_display_data', { data: { 'text/plain': 'epoch 2' }, metadata: {}, transient: { display_id: 'd1' } }));
    collector.handle(second, message('update_display_data', { data: { 'text/plain': 'lost' }, metadata: {}, transient: { display_id: 'unknown' } }));
    expect(first).toEqual([{ output_type: 'display_data', data: { 'text/plain': 'epoch 2' }, metadata: {} }]);
    expect(second).toHaveLength(1);
  });

  it('clears outputs, after the next output when asked to wait', () => {
    const collector = new OutputCollector();
    const outputs: Output[] = [];
    collector.handle(outputs, message('stream', { name: 'stdout', text: 'old\n' }));
    collector.handle(outputs, message('clear_output', { wait: true }));
    expect(outputs).toHaveLength(1);
    collector.handle(outputs, message('execute_result', { execution_count: 2, data: { 'text/plain': '3' }, metadata: {} }));
    expect(outputs).toEqual([{ output_type: 'execute_result', execution_count: 2, data: { 'text/plain': '3' }, metadata: {} }]);
    collector.handle(outputs, message('clear_output', { wait: false }));
    expect(outputs).toEqual([]);
  });

  it('keeps error messages from kernels that send them', () => {
    const outputs: Output[] = [];
    new OutputCollector().handle(outputs, message('error', { ename: 'ValueError', evalue: 'bad', traceback: ['t'] }));
    expect(outputs).toEqual([{ output_type: 'error', ename: 'ValueError', evalue: 'bad', traceback: ['t'] }]);
  });
});

describe('errorFromStderr', () => {
  it('turns TypeScript diagnostics into a TSError', () => {
    const outputs = [stderr("1:7 - Type 'string' is not assignable to type 'number'.\n2:1 - Cannot find name 'x'.\n")];
    expect(errorFromStderr(outputs)).toEqual({
      output_type: 'error', ename: 'TSError',
      evalue: "1:7 - Type 'string' is not assignable to type 'number'.\n2:1 - Cannot find name 'x'.",
      traceback: ["1:7 - Type 'string' is not assignable to type 'number'.", "2:1 - Cannot find name 'x'."],
    });
    expect(outputs).toEqual([]);
  });

  it('moves a thrown error out of the stream but leaves earlier warnings there', () => {
    const outputs = [stderr('Warning: slow backend\nevalmachine.<anonymous>:7\n    throw new RangeError(\'no\');\n    ^\n\nRangeError: no\n    at evalmachine.<anonymous>:7:11\n')];
    const error = errorFromStderr(outputs);
    expect(error.ename).toBe('RangeError');
    expect(error.evalue).toBe('no');
    expect(error.traceback[0]).toBe('evalmachine.<anonymous>:7');
    expect(error.traceback.at(-1)).toBe('    at evalmachine.<anonymous>:7:11');
    expect(outputs).toEqual([stderr('Warning: slow backend\n')]);
  });

  it('reads Node error codes and falls back to the text for thrown non-errors', () => {
    expect(errorFromStderr([stderr('TypeError [ERR_INVALID_ARG_TYPE]: bad arg\n')])).toMatchObject({ ename: 'TypeError', evalue: 'bad arg' });
    expect(errorFromStderr([stderr('just a string\n')])).toMatchObject({ ename: 'Error', evalue: 'just a string' });
  });

  it('says so when the kernel printed nothing', () => {
    expect(errorFromStderr([{ output_type: 'stream', name: 'stdout', text: 'ok\n' }]).evalue).toMatch(/printed no message/);
  });
});
