import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildMessage, channelAddress, createConnectionInfo, DELIMITER, parseMessage, ProtocolError, serializeMessage, sign,
} from '../../src/course/protocol.js';

const KEY = 'a-test-key';

describe('signing', () => {
  it('matches an HMAC-SHA256 over header, parent, metadata and content computed by hand', () => {
    const parts = ['{"msg_id":"1"}', '{}', '{}', '{"code":"1+1"}'];
    const expected = createHmac('sha256', KEY).update(parts.join('')).digest('hex');
    expect(sign(KEY, parts)).toBe(expected);
  });

  it('round-trips a message through serialize and parse, keeping identities and buffers', () => {
    const parent = buildMessage('execute_request', { code: '1' }, 'session-1');
    const message = { ...buildMessage('execute_reply', { status: 'ok', execution_count: 3 }, 'session-1', parent.header), identities: [Buffer.from('peer')], buffers: [Buffer.from([1, 2])] };
    const frames = serializeMessage(message, KEY);
    expect(frames[1]?.toString()).toBe(DELIMITER);
    const parsed = parseMessage(frames, KEY);
    expect(parsed.header).toEqual(message.header);
    expect(parsed.parent_header.msg_id).toBe(parent.header.msg_id);
    expect(parsed.content).toEqual({ status: 'ok', execution_count: 3 });
    expect(parsed.identities.map(String)).toEqual(['peer']);
    expect(parsed.buffers).toEqual([Buffer.from([1, 2])]);
    expect(parsed.header.version).toBe('5.3');
  });

  it('rejects a message signed with another key or tampered with', () => {
    const frames = serializeMessage(buildMessage('status', { execution_state: 'idle' }, 's'), KEY);
    expect(() => parseMessage(frames, 'other-key')).toThrow(ProtocolError);
    const tampered = [...frames];
    tampered[5] = Buffer.from('{"execution_state":"busy"}');
    expect(() => parseMessage(tampered, KEY)).toThrow(/signature does not match/);
  });

  it('rejects frames without the delimiter', () => {
    expect(() => parseMessage([Buffer.from('hello')], KEY)).toThrow(/Expected a '<IDS\|MSG>' frame/);
  });
});

describe('connection info', () => {
  it('has five distinct loopback ports and a random key', async () => {
    const info = await createConnectionInfo();
    const ports = [info.shell_port, info.iopub_port, info.stdin_port, info.control_port, info.hb_port];
    expect(new Set(ports).size).toBe(5);
    expect(info.key).toMatch(/^[0-9a-f]{64}$/);
    expect(info.signature_scheme).toBe('hmac-sha256');
    expect(channelAddress(info, 'shell')).toBe(`tcp://127.0.0.1:${info.shell_port}`);
  });
});
