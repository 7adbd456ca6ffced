// Test helper: an HTTP server on 127.0.0.1 that serves fixed bytes per path (404 otherwise) and counts requests.
import { type AddressInfo } from 'node:net';
import { createServer } from 'node:http';

export interface LocalServer {
  /** Base URL with a trailing slash, e.g. http://127.0.0.1:41234/mnist/ */
  readonly url: string;
  /** Paths requested so far, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Serves `files` (name -> bytes) under `/<prefix>/` on a free port of 127.0.0.1. */
export async function serveFiles(files: Readonly<Record<string, Uint8Array>>, prefix = 'mirror'): Promise<LocalServer> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    requests.push(path);
    const body = files[path.replace(`/${prefix}/`, '')];
    if (path.startsWith(`/${prefix}/`) && body !== undefined) {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      response.end(body);
    } else {
      response.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${prefix}/`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
