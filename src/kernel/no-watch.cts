// Preloaded into the tslab kernel (`node --require`): stops tslab's TypeScript from watching the file system.
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Why: tslab's compiler host allows only one pending rebuild timer. When files near the notebook change while a
 * cell runs (a rebuilt dist/, a test writing into out/), TypeScript schedules a second rebuild, tslab throws
 * "Unexpected pending rebuildTimer" and the next cell fails to compile (seen here 12 minutes into a training run).
 * A notebook run needs no watching: cells are compiled from memory, and a rebuilt library is picked up by
 * restarting the kernel, as in Python. tslab's own in-memory "watchers" for its cell files are not affected.
 */
function stopWatching(): void {
  const script = process.argv[1];
  if (script === undefined) return;
  const paths = [dirname(realpathSync(script))];
  let ts: { sys: { watchFile?: unknown; watchDirectory?: unknown } };
  try {
    ts = require(require.resolve('@tslab/typescript-for-tslab', { paths }));
  } catch {
    return; // not tslab, or a tslab without its bundled TypeScript: nothing to change
  }
  const noWatch = () => ({ close: () => {} });
  ts.sys.watchFile = noWatch;
  ts.sys.watchDirectory = noWatch;
}

stopWatching();
