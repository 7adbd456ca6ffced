// A submitted model as bytes: TF.js layers-format model.json plus its weights, read from a folder, a model or the wire.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BadRequestError, InvalidModelError } from './errors.js';

/** One entry of a weights manifest, as TF.js writes it. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

/** The contents of a TF.js layers-format model.json. */
export interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: unknown;
  weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
}

/** A model as submitted: model.json parsed (not yet validated) and all weight shards concatenated in manifest order. */
export interface ModelArtifact {
  modelJson: unknown;
  weightData: Uint8Array;
}

/** How a model travels in a submission body: model.json as JSON and the weights as base64. */
export interface WireModel {
  modelJson: unknown;
  weightsBase64: string;
}

/**
 * Reads model.json and its weight files from a folder (what `model.save('file://dir')` or src/models' `saveModel` write).
 * Weight paths must stay inside the folder.
 */
export async function readModelDir(dir: string): Promise<ModelArtifact> {
  const jsonPath = path.join(dir, 'model.json');
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (error) {
    throw new BadRequestError(`Cannot read ${jsonPath}: ${(error as Error).message}. Pass the folder you saved the model to (it holds model.json and weights).`);
  }
  const modelJson = parseJson(text, jsonPath);
  const manifest = (modelJson as Partial<ModelJson>).weightsManifest;
  if (!Array.isArray(manifest)) throw new InvalidModelError(`${jsonPath} has no weightsManifest array; save the model with model.save('file://...') or saveModel(model, dir).`);
  const shards: Uint8Array[] = [];
  const root = path.resolve(dir);
  for (const group of manifest) {
    for (const shardPath of Array.isArray(group?.paths) ? group.paths : []) {
      const resolved = path.resolve(root, String(shardPath));
      if (!resolved.startsWith(root + path.sep)) throw new InvalidModelError(`Weight path "${shardPath}" leaves the model folder; paths in weightsManifest must be relative file names.`);
      shards.push(new Uint8Array(await readFile(resolved)));
    }
  }
  return { modelJson, weightData: concatBytes(shards) };
}

/** Serializes an in-memory model without touching disk. The caller keeps ownership of `model`. */
export async function artifactFromModel(model: tf.LayersModel): Promise<ModelArtifact> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved || !saved.weightSpecs || saved.weightData === undefined) throw new InvalidModelError('model.save produced no weights; is the model built (called once or given an inputShape)?');
  const buffers = Array.isArray(saved.weightData) ? saved.weightData : [saved.weightData];
  const modelJson: ModelJson = {
    format: saved.format ?? 'layers-model',
    generatedBy: saved.generatedBy ?? 'TensorFlow.js',
    convertedBy: saved.convertedBy ?? null,
    modelTopology: saved.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: saved.weightSpecs as WeightSpec[] }],
  };
  return { modelJson, weightData: concatBytes(buffers.map((buffer) => new Uint8Array(buffer))) };
}

/** Artifact to wire format (base64 weights). */
export function encodeArtifact(artifact: ModelArtifact): WireModel {
  return { modelJson: artifact.modelJson, weightsBase64: Buffer.from(artifact.weightData).toString('base64') };
}

// Node's base64 decoder skips invalid characters silently; a strict check keeps corrupt uploads from passing as truncated ones.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Wire format to artifact; rejects anything that is not `{ modelJson: object, weightsBase64: string }`. */
export function decodeArtifact(wire: unknown): ModelArtifact {
  const candidate = wire as Partial<WireModel> | null;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.modelJson !== 'object' || candidate.modelJson === null) {
    throw new BadRequestError('answer.model must be { modelJson: <contents of model.json>, weightsBase64: <weights.bin as base64> }.');
  }
  if (typeof candidate.weightsBase64 !== 'string' || candidate.weightsBase64.length % 4 !== 0 || !BASE64.test(candidate.weightsBase64)) {
    throw new BadRequestError('answer.model.weightsBase64 must be a standard base64 string (length a multiple of 4). Re-read weights.bin and encode it again.');
  }
  const bytes = Buffer.from(candidate.weightsBase64, 'base64');
  return { modelJson: candidate.modelJson, weightData: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/**
 * Content hash of a model: topology, weight specs and weight bytes, ignoring file names and tool versions,
 * so saving the same trained model twice gives the same hash.
 */
export function artifactSha256(artifact: ModelArtifact): string {
  const json = artifact.modelJson as Partial<ModelJson>;
  const specs = Array.isArray(json.weightsManifest) ? json.weightsManifest.flatMap((group) => group?.weights ?? []) : [];
  const hash = createHash('sha256');
  hash.update(canonicalJson({ modelTopology: json.modelTopology ?? null, weightSpecs: specs }));
  hash.update(artifact.weightData);
  return hash.digest('hex');
}

/** Hash of submitted source text (line endings normalized, outer whitespace trimmed). */
export function sourceSha256(source: string): string {
  return createHash('sha256').update(source.replace(/\r\n/g, '\n').trim()).digest('hex');
}

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidModelError(`${where} is not valid JSON (${(error as Error).message}). Save the model again; do not edit model.json by hand.`);
  }
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
