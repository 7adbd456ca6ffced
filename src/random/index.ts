// Seedable randomness shared by weight initialization and data shuffling, like torch.manual_seed.
import seedrandom from 'seedrandom';

/** A source of uniform floats in [0, 1) with a few helpers on top. */
export interface Generator {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, high). */
  int(high: number): number;
  /** A 31-bit integer, for seeding TF.js initializers from this generator. */
  seed(): number;
}

/** Makes an independent generator; the same seed gives the same stream on every machine. */
export function createGenerator(seed: number | string): Generator {
  const prng = seedrandom(String(seed));
  return {
    next: () => prng(),
    int: (high: number) => Math.floor(prng() * high),
    seed: () => (prng.int32() >>> 1),
  };
}

// The one piece of module state besides the backend: the default generator, as in PyTorch.
// Unseeded runs draw their seed from Math.random so they differ, as torch's do.
let defaultGenerator: Generator = createGenerator(Math.random());
let currentSeed: number | undefined;

/**
 * Seeds the default generator used by model initializers and shuffling DataLoaders.
 * Two runs that call `setSeed(s)` first give identical weights and batches on the same backend.
 * @example setSeed(12)  // the seed used by the ResNet tutorial
 */
export function setSeed(seed: number): void {
  if (!Number.isInteger(seed)) throw new TypeError(`setSeed expects an integer seed, got ${seed}`);
  currentSeed = seed;
  defaultGenerator = createGenerator(seed);
}

/** The seed passed to the last `setSeed`, or undefined when unseeded. */
export function initialSeed(): number | undefined {
  return currentSeed;
}

/** The default generator (reseeded by `setSeed`). */
export function defaultRng(): Generator {
  return defaultGenerator;
}

/** Fisher-Yates shuffle in place; returns the same array. */
export function shuffleInPlace<T extends { [i: number]: number; length: number }>(array: T, rng: Generator = defaultGenerator): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = array[i] as number;
    array[i] = array[j] as number;
    array[j] = tmp;
  }
  return array;
}

/** A random permutation of 0..n-1 as an Int32Array. */
export function randperm(n: number, rng: Generator = defaultGenerator): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return shuffleInPlace(out, rng);
}
