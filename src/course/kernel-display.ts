// Emits a Jupyter display_data bundle from code running inside the tslab kernel; a no-op elsewhere.
import { createRequire } from 'node:module';

/** A MIME bundle: `text/plain` for people, `application/vnd.…+json` objects for machines. */
export type MimeBundle = Record<string, unknown>;

type WriteDisplayData = (content: { data: MimeBundle; metadata: Record<string, unknown>; transient: Record<string, unknown> }, update: boolean) => void;

/**
 * Sends `bundle` as one display_data message if this process is a tslab kernel running a cell; returns whether it did.
 *
 * tslab's public `display.raw(mime, data)` sends one MIME type per output, so a custom type would show as
 * "no renderer" in JupyterLab. Sending a bundle with a `text/plain` fallback needs tslab's own writer, which it
 * keeps in `tslab/dist/jupyter.js` (`lastWriteDisplayData`, set for each executing cell). We only look it up when
 * the kernel already loaded that module, so importing the library outside Jupyter never loads tslab.
 */
export function displayInKernel(bundle: MimeBundle): boolean {
  const require = createRequire(import.meta.url);
  let jupyterModulePath: string;
  try {
    jupyterModulePath = require.resolve('tslab/dist/jupyter.js');
  } catch {
    return false;
  }
  const loaded = require.cache[jupyterModulePath] as { exports?: { lastWriteDisplayData?: unknown } } | undefined;
  const write = loaded?.exports?.lastWriteDisplayData;
  if (typeof write !== 'function') return false;
  (write as WriteDisplayData)({ data: bundle, metadata: {}, transient: {} }, false);
  return true;
}
