// Jupyter messaging protocol v5.3 without sockets: connection files, HMAC-SHA256 signing, message build and parse.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';

/** The protocol version we speak; tslab 1.0.22 answers with the same. */
export const PROTOCOL_VERSION = '5.3';

/** Frame that separates ZeroMQ routing identities from the signed message parts. */
export const DELIMITER = '<IDS|MSG>';

/** The only signature scheme tslab checks (it always verifies, so the key is never empty). */
export const SIGNATURE_SCHEME = 'hmac-sha256';

/** Contents of a kernel connection file (the `{connection_file}` in a kernel.json argv). */
export interface ConnectionInfo {
  transport: 'tcp';
  ip: string;
  key: string;
  signature_scheme: typeof SIGNATURE_SCHEME;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  kernel_name: string;
}

/** Header of every message; `parent_header` is the header of the request a message answers (or `{}`). */
export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

/** One decoded message. `content` is left as a loose record: each consumer narrows the fields it reads. */
export interface JupyterMessage {
  identities: Buffer[];
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Buffer[];
}

/** A message that cannot be trusted or decoded: missing delimiter, bad signature, malformed JSON. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/** Asks the OS for `count` free TCP ports on `ip` (bind to port 0, read the port, release). */
export async function findFreePorts(count: number, ip = '127.0.0.1'): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, ip, () => resolve(server));
    })),
  );
  // Hold every server open until all ports are read, so no port is handed out twice.
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new ProtocolError(`Expected a TCP address from the OS, got ${String(address)}.`);
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

/** A fresh connection description on loopback with a random signing key. */
export async function createConnectionInfo(kernelName = 'tslab', ip = '127.0.0.1'): Promise<ConnectionInfo> {
  const [shell, iopub, stdin, control, hb] = await findFreePorts(5, ip);
  if (hb === undefined || shell === undefined || iopub === undefined || stdin === undefined || control === undefined) {
    throw new ProtocolError('Expected 5 free ports from the OS.');
  }
  return {
    transport: 'tcp',
    ip,
    key: randomBytes(32).toString('hex'),
    signature_scheme: SIGNATURE_SCHEME,
    shell_port: shell,
    iopub_port: iopub,
    stdin_port: stdin,
    control_port: control,
    hb_port: hb,
    kernel_name: kernelName,
  };
}

/** ZeroMQ endpoint of one channel, e.g. `tcp://127.0.0.1:5555`. */
export function channelAddress(info: ConnectionInfo, channel: 'shell' | 'iopub' | 'stdin' | 'control' | 'hb'): string {
  return `${info.transport}://${info.ip}:${info[`${channel}_port`]}`;
}

/** Hex HMAC-SHA256 over the four JSON parts (header, parent, metadata, content), in that order. */
export function sign(key: string, parts: readonly (string | Buffer)[]): string {
  const hmac = createHmac('sha256', key);
  for (const part of parts) hmac.update(part);
  return hmac.digest('hex');
}

/** A new request or reply; pass `parent` to answer a message. */
export function buildMessage(
  msgType: string,
  content: Record<string, unknown>,
  session: string,
  parent: Partial<MessageHeader> = {},
): JupyterMessage {
  return {
    identities: [],
    header: {
      msg_id: randomUUID(),
      session,
      username: safeUsername(),
      date: new Date().toISOString(),
      msg_type: msgType,
      version: PROTOCOL_VERSION,
    },
    parent_header: parent,
    metadata: {},
    content,
    buffers: [],
  };
}

/** Wire frames: identities, delimiter, signature, header, parent_header, metadata, content, buffers. */
export function serializeMessage(message: JupyterMessage, key: string): Buffer[] {
  const parts = [message.header, message.parent_header, message.metadata, message.content].map((part) => JSON.stringify(part));
  return [
    ...message.identities,
    Buffer.from(DELIMITER),
    Buffer.from(sign(key, parts)),
    ...parts.map((part) => Buffer.from(part)),
    ...message.buffers,
  ];
}

/** Decodes and verifies wire frames; throws ProtocolError on a missing delimiter, bad signature or bad JSON. */
export function parseMessage(frames: readonly Buffer[], key: string): JupyterMessage {
  const delimiterAt = frames.findIndex((frame) => frame.equals(Buffer.from(DELIMITER)));
  if (delimiterAt < 0) throw new ProtocolError(`Expected a '${DELIMITER}' frame among ${frames.length} frames; is the peer a Jupyter kernel?`);
  const signature = frames[delimiterAt + 1];
  const parts = frames.slice(delimiterAt + 2, delimiterAt + 6);
  if (signature === undefined || parts.length < 4) {
    throw new ProtocolError(`Expected a signature and 4 message parts after '${DELIMITER}', got ${frames.length - delimiterAt - 1} frames.`);
  }
  const expected = Buffer.from(sign(key, parts));
  if (expected.length !== signature.length || !timingSafeEqual(expected, signature)) {
    throw new ProtocolError('Message signature does not match the connection key; the message was dropped. Check that the kernel uses this connection file.');
  }
  const [header, parent, metadata, content] = parts.map((part) => parseJsonObject(part));
  return {
    identities: frames.slice(0, delimiterAt),
    header: header as unknown as MessageHeader,
    parent_header: (parent ?? {}) as Partial<MessageHeader>,
    metadata: metadata ?? {},
    content: content ?? {},
    buffers: frames.slice(delimiterAt + 6),
  };
}

function parseJsonObject(frame: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(frame.toString('utf8'));
  } catch (error) {
    throw new ProtocolError(`Expected a JSON message part, got ${JSON.stringify(frame.toString('utf8').slice(0, 80))}: ${String(error)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ProtocolError(`Expected a JSON object message part, got ${JSON.stringify(value)}.`);
  }
  return value as Record<string, unknown>;
}

function safeUsername(): string {
  try {
    return userInfo().username;
  } catch {
    return 'course-runner'; // containers without a passwd entry
  }
}
