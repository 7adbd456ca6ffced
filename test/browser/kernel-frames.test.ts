// Decoding the kernel messages JupyterLab receives, checked against jupyter_server's own encoder where it is installed.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { findJupyterLab } from './installed.js';
import { encodeKernelFrameV1, parseKernelFrame } from './kernel-frames.js';

const header = { msg_id: 'a1', msg_type: 'execute_reply', session: 's', username: 'u', date: '2026-01-01T00:00:00Z', version: '5.3' };
const content = { status: 'ok', execution_count: 3 };

describe('parseKernelFrame', () => {
  it('reads channel, message type and content from a binary v1 frame', () => {
    expect(parseKernelFrame(encodeKernelFrameV1('shell', header, content))).toEqual({ channel: 'shell', msgType: 'execute_reply', content });
  });

  it('reads a frame that carries binary buffers after the content', () => {
    const frame = encodeKernelFrameV1('iopub', { ...header, msg_type: 'comm_msg' }, { data: {} }, [Buffer.from([1, 2, 3]), Buffer.alloc(0)]);
    expect(parseKernelFrame(frame)).toEqual({ channel: 'iopub', msgType: 'comm_msg', content: { data: {} } });
  });

  it('reads a legacy JSON text frame', () => {
    expect(parseKernelFrame(JSON.stringify({ channel: 'iopub', header: { msg_type: 'stream' }, content: { name: 'stdout', text: 'hi' } })))
      .toEqual({ channel: 'iopub', msgType: 'stream', content: { name: 'stdout', text: 'hi' } });
  });

  it('returns undefined for a frame that is neither', () => {
    expect(parseKernelFrame('not json')).toBeUndefined();
    expect(parseKernelFrame(Buffer.from([1, 2, 3]))).toBeUndefined();
  });
});

const lab = findJupyterLab();

describe.skipIf(!lab.found)('encodeKernelFrameV1 against jupyter_server', () => {
  it('makes the same bytes as serialize_msg_to_ws_v1', () => {
    if (!lab.found) return;
    const script = [
      'import json, sys',
      'from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1',
      'h, c = json.loads(sys.argv[1]), json.loads(sys.argv[2])',
      "parts = [json.dumps(p, separators=(',', ':')).encode() for p in (h, {}, {}, c)]",
      "sys.stdout.buffer.write(serialize_msg_to_ws_v1(parts, 'shell'))",
    ].join('\n');
    const result = spawnSync(lab.value.python, ['-c', script, JSON.stringify(header), JSON.stringify(content)]);
    expect(result.stderr.toString()).toBe('');
    expect(Buffer.compare(result.stdout, encodeKernelFrameV1('shell', header, content))).toBe(0);
  });
});
