// Test fixtures shared by the models, train and sgd tests: a quiet backend and small slices of real MNIST.
import { initBackend } from '../../src/backend/index.js';
import { ImageDataset, loadMnist, toTensor, type Transform } from '../../src/data/index.js';

/** Starts the session's backend (native, wasm or cpu; TFJS_BACKEND overrides) without logging. */
export async function quietBackend(): Promise<string> {
  return (await initBackend({ log: () => {} })).name;
}

/**
 * `count` MNIST images of one split from `offset` on (the package copy; no download), as an ImageDataset.
 * Train slices for training and test slices for held-out checks keep the two apart.
 */
export async function mnistSlice(split: 'train' | 'test', count: number, offset = 0, transform: Transform = toTensor()): Promise<ImageDataset> {
  const full = await loadMnist({ train: split === 'train', transform, download: false, log: () => {} });
  const pixels = full.sampleShape.reduce((a, b) => a * b, 1);
  return new ImageDataset({
    name: full.name,
    images: full.images.subarray(offset * pixels, (offset + count) * pixels),
    labels: full.labels.subarray(offset, offset + count),
    split: full.split,
    root: full.root,
    source: full.source,
    location: full.location,
    classes: full.classes,
    transform,
  });
}
