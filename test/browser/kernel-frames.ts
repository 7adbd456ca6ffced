// Reads the kernel messages JupyterLab receives over its websocket, so a browser test sees each cell's reply status.

/** The parts of a Jupyter message the browser test reads. */
export interface KernelFrame {
  channel: string;
  msgType: string;
  content: Record<string, unknown>;
}

/**
 * Decodes one websocket frame from a Jupyter server's kernel channel: JSON text (the legacy protocol) or the binary
 * `v1.kernel.websocket.jupyter.org` layout that JupyterLab 4 negotiates: a little-endian uint64 count n, n uint64
 * offsets, then the channel name, header, parent header, metadata, content and buffers between consecutive offsets.
 * Returns undefined for a frame that is neither.
 */
export function parseKernelFrame(payload: string | Buffer): KernelFrame | undefined {
  try {
    if (typeof payload === 'string') {
      const message = JSON.parse(payload) as { channel?: string; header?: { msg_type?: string }; content?: Record<string, unknown> };
      return { channel: message.channel ?? '', msgType: message.header?.msg_type ?? '', content: message.content ?? {} };
    }
    const count = Number(payload.readBigUInt64LE(0));
    const offsets = Array.from({ length: count }, (_, i) => Number(payload.readBigUInt64LE(8 * (i + 1))));
    const part = (index: number): Buffer => payload.subarray(offsets[index], offsets[index + 1]);
    const header = JSON.parse(part(1).toString('utf8')) as { msg_type?: string };
    return { channel: part(0).toString('utf8'), msgType: header.msg_type ?? '', content: JSON.parse(part(4).toString('utf8')) as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/** Encodes a message in the v1 binary layout, as jupyter_server's `serialize_msg_to_ws_v1` does (for tests). */
export function encodeKernelFrameV1(channel: string, header: object, content: object, buffers: Buffer[] = []): Buffer {
  const parts: Buffer[] = [channel, header, {}, {}, content].map((part) => Buffer.from(typeof part === 'string' ? part : JSON.stringify(part)));
  parts.push(...buffers);
  const offsets = [8 * (1 + 1 + parts.length)];
  for (const part of parts) offsets.push((offsets.at(-1) ?? 0) + part.length);
  const table = Buffer.alloc(8 * (1 + offsets.length));
  table.writeBigUInt64LE(BigInt(offsets.length), 0);
  offsets.forEach((offset, i) => table.writeBigUInt64LE(BigInt(offset), 8 * (i + 1)));
  return Buffer.concat([table, ...parts]);
}
