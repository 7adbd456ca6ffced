// Shared test fixtures for the grader: small real models, MNIST subsets, stores and tokens.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadMnist, toTensor } from '../../src/data/index.js';
import type { ModelExercise } from '../../grader/exercises.js';
import { MNIST_EXERCISE } from '../../grader/exercises.js';
import { GradeStore } from '../../grader/store.js';
import { issueInstructorToken, issueStudentTokens } from '../../grader/tokens.js';
import type { IssuedToken } from '../../grader/tokens.js';

/** A fresh folder under the OS temp dir. */
export function tempDir(prefix = 'grader-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A store in a fresh temp folder, with `students` student tokens and an instructor token. */
export function storeWithTokens(students = 3): { store: GradeStore; dbPath: string; students: IssuedToken[]; instructor: string } {
  const dbPath = path.join(tempDir(), 'grader.sqlite');
  const store = GradeStore.open({ path: dbPath });
  const list = Array.from({ length: students }, (_, i) => ({ studentId: `s${i + 1}`, name: `Student, "${i + 1}"` }));
  return { store, dbPath, students: issueStudentTokens(store, list), instructor: issueInstructorToken(store) };
}

/** The MNIST exercise with a lowered threshold, a 1,000-image evaluation and a generous rate limit: for tests only. */
export const TEST_EXERCISE: ModelExercise = {
  ...MNIST_EXERCISE,
  id: 'test/mnist-lowered',
  title: 'Test: MNIST at 70%',
  threshold: 0.7,
  partialCredit: [{ atLeast: 0.7, fraction: 1 }, { atLeast: 0.5, fraction: 0.5 }],
  limit: 1000,
  claimMargin: 0.02,
  rateLimit: { maxAttempts: 1000, windowMinutes: 60 },
  constraints: [...MNIST_EXERCISE.constraints, { kind: 'allowed-layers', classes: ['InputLayer', 'Dense', 'Flatten'], description: 'dense layers only' }],
};

/** An untrained dense classifier [784] -> 16 -> 10 (fast to build; for validation tests). */
export function tinyDenseModel(seed = 1): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [784], units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
  return model;
}

/**
 * A small dense model [784] -> 32 -> 10 trained for 300 steps (batch 50) on the first 3,000 MNIST training
 * images: about 85-90% test accuracy, far below 99.8%. The caller owns the model.
 */
export async function trainSmallDenseModel(seed = 7): Promise<tf.Sequential> {
  const train = await loadMnist({ train: true, transform: toTensor(), log: () => undefined });
  const count = 3000;
  const { images, labels } = train.gather(Int32Array.from({ length: count }, (_, i) => i));
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [784], units: 32, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
  model.compile({ optimizer: tf.train.adam(0.003), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.tensor2d(images, [count, 784]);
  const y = tf.tensor1d(labels, 'float32');
  await model.fit(x, y, { batchSize: 50, epochs: 5, shuffle: false, verbose: 0 });
  tf.dispose([x, y]);
  return model;
}
