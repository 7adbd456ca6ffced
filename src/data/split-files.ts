// The two IDX files of one split (images + labels): their recorded checksums, reading, checking, downloading.
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileExists, writeFileAtomic } from './cache.js';
import { type Checksum, readFileVerified, verifyChecksum } from './checksum.js';
import { downloadFromMirrors } from './download.js';
import { DatasetError, IdxFormatError, adviceFor } from './errors.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, decodeIdx, isGzip } from './idx.js';

/** Side of every MNIST-style image, in pixels. */
export const IMAGE_SIDE = 28;
/** Pixels per image: 28 x 28 = 784. */
export const IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE;

/** One published data file and its recorded checksums. */
export interface DataFile {
  /** The published name without `.gz`, e.g. `train-images-idx3-ubyte`. */
  readonly name: string;
  /** md5 of the published `name.gz`, as listed by the data set's authors and torchvision. */
  readonly gzMd5?: string;
  /** sha256 of the decompressed file. When recorded, the file is kept decompressed (fast loads). */
  readonly sha256?: string;
}

/** The images file and the labels file of one split. */
export interface SplitFiles {
  readonly images: DataFile;
  readonly labels: DataFile;
}

/** One split in memory: `images` holds count x 28 x 28 bytes row-major, `labels` count bytes. */
export interface SplitArrays {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

/**
 * The name a file is kept under: decompressed when its sha256 is recorded, else as published (`.gz`), so
 * that the published md5 can be checked on every load.
 */
export function storedName(file: DataFile): string {
  return file.sha256 ? file.name : `${file.name}.gz`;
}

/** The checksum of the file as kept (see `storedName`). */
export function storedChecksum(file: DataFile): Checksum {
  if (file.sha256) return { algorithm: 'sha256', digest: file.sha256 };
  if (file.gzMd5) return { algorithm: 'md5', digest: file.gzMd5 };
  throw new TypeError(`DataFile ${file.name} records no checksum`);
}

/** How readSplit checks the files. */
export interface ReadSplitOptions {
  /** What the user should do about a bad file; default: delete it and load again. */
  readonly advice?: string;
  /**
   * Folder of verification records (see verified.ts): files verified before and unchanged since are not hashed
   * again. Default none: both files are hashed on every read.
   */
  readonly records?: string;
}

/**
 * Reads a split from `folder` after checking both files' checksums.
 * @returns undefined when either file is missing.
 * @throws ChecksumError or IdxFormatError naming the bad file, with `advice` on what to do.
 */
export async function readSplit(folder: string, files: SplitFiles, numClasses: number, options: ReadSplitOptions = {}): Promise<SplitArrays | undefined> {
  const { advice, records } = options;
  const imagesPath = join(folder, storedName(files.images));
  const labelsPath = join(folder, storedName(files.labels));
  const [imageBytes, labelBytes] = await Promise.all([
    readFileVerified(imagesPath, storedChecksum(files.images), advice ?? adviceFor(imagesPath), records),
    readFileVerified(labelsPath, storedChecksum(files.labels), advice ?? adviceFor(labelsPath), records),
  ]);
  if (imageBytes === undefined || labelBytes === undefined) return undefined;
  return decodeSplit(imageBytes, labelBytes, { imagesPath, labelsPath, numClasses });
}

/**
 * Decodes and checks an images file and a labels file (raw or gzip) of one split: magic numbers,
 * 28 x 28 images, equal counts, labels below `numClasses`.
 * @throws IdxFormatError or DatasetError naming the file(s) at fault.
 */
export function decodeSplit(
  imageBytes: Uint8Array,
  labelBytes: Uint8Array,
  where: { imagesPath: string; labelsPath: string; numClasses: number },
): SplitArrays {
  const { imagesPath, labelsPath, numClasses } = where;
  const images = decodeIdx(imageBytes, imagesPath);
  const labels = decodeIdx(labelBytes, labelsPath);
  expectMagic(images.magic, IDX_IMAGES_MAGIC, 'images', imagesPath);
  expectMagic(labels.magic, IDX_LABELS_MAGIC, 'labels', labelsPath);
  const [count = 0, rows, cols] = images.shape;
  if (rows !== IMAGE_SIDE || cols !== IMAGE_SIDE) {
    throw new IdxFormatError(imagesPath, `images are ${rows} x ${cols}, expected ${IMAGE_SIDE} x ${IMAGE_SIDE}`);
  }
  if (labels.shape[0] !== count) {
    throw new DatasetError(`${imagesPath} has ${count} images but ${labelsPath} has ${labels.shape[0]} labels; ` +
      'the two files must come from the same split. Delete both and load again.', imagesPath);
  }
  const labelData = labels.data as Uint8Array;
  const bad = labelData.findIndex((label) => label >= numClasses);
  if (bad >= 0) {
    throw new IdxFormatError(labelsPath, `label ${bad} is ${labelData[bad]}, expected 0 to ${numClasses - 1}`);
  }
  return { images: images.data as Uint8Array, labels: labelData, count };
}

/**
 * Downloads the files of a split that `folder` lacks from the first mirror that serves a verified copy,
 * and writes each one atomically. A download that fails its checksum is rejected and nothing is written.
 * @returns the URLs used, one per downloaded file.
 * @throws DownloadError listing every mirror and why it failed, then `advice`.
 */
export async function downloadSplit(folder: string, files: SplitFiles, mirrors: readonly string[], advice?: string): Promise<string[]> {
  const urls: string[] = [];
  for (const file of [files.images, files.labels]) {
    const target = join(folder, storedName(file));
    if (await fileExists(target)) continue;
    const accept = (bytes: Uint8Array, from: string) => keptForm(bytes, file, from);
    const { value, url } = await downloadFromMirrors(`${file.name}.gz`, mirrors, accept, advice === undefined ? {} : { advice });
    await writeFileAtomic(target, value);
    urls.push(url);
  }
  return urls;
}

// Checks a download against the checksum of the form we keep: the gz itself, or its decompressed content.
function keptForm(downloaded: Uint8Array, file: DataFile, url: string): Uint8Array {
  const kept = file.sha256 && isGzip(downloaded) ? gunzipOrThrow(downloaded, url) : downloaded;
  verifyChecksum(kept, storedChecksum(file), url, 'The download was rejected and nothing was written.');
  return kept;
}

function gunzipOrThrow(bytes: Uint8Array, url: string): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw new IdxFormatError(url, `the download does not decompress (${(error as Error).message})`,
      'The download was rejected and nothing was written.');
  }
}

function expectMagic(actual: number, expected: number, what: string, file: string): void {
  if (actual === expected) return;
  const hint = actual === IDX_LABELS_MAGIC ? ' (that of a labels file)' : actual === IDX_IMAGES_MAGIC ? ' (that of an images file)' : '';
  throw new IdxFormatError(file, `magic number is ${actual}${hint}, expected ${expected} for ${what}; is this the right file?`);
}
