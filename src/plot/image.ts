// imshow: digits (arrays or tensors) to an exact-pixel PNG grid with optional titles, like plt.imshow(cmap='gray').
import { PNG } from 'pngjs';
import { PlotDataError, PlotOptionError } from './errors.js';
import { measureText } from './font.js';
import { svgToPixels } from './render.js';
import type { RasterImage, TensorLike } from './types.js';
import { FONT_FAMILY } from './vegalite.js';

/**
 * One image: a flat square array (784 values -> 28x28), rows (`number[][]`), or a tensor of shape
 * `[h, w]` / `[h, w, 1]`. A tensor `[n, h, w, 1]` or `[n, h, w]` holds n images. Tensors are read, never disposed.
 */
export type ImageInput = Float32Array | Float64Array | Uint8Array | Uint8ClampedArray | readonly number[] | readonly (readonly number[])[] | TensorLike;

export interface ImshowOptions {
  /** One title per image, e.g. `pred 3 / true 5`. */
  titles?: readonly string[];
  /** CSS colours for the titles (e.g. red for wrong predictions); default dark grey. */
  titleColors?: readonly string[];
  /** Images per row. Default: all in one row, at most 10. */
  cols?: number;
  /** Screen pixels per image pixel (nearest neighbour, so pixels stay exact). Default 8 for one image, else 3. */
  scale?: number;
  /** Values shown as black and white. Default [0, 255] for Uint8 data, [0, 1] when all values lie in it, else min..max. */
  range?: readonly [number, number];
}

interface Gray { width: number; height: number; values: ArrayLike<number>; integer: boolean }

const GAP = 6;
const TITLE_FONT_SIZE = 12;
const MIN_TITLE_FONT_SIZE = 8;
const MAX_SCALE = 64;

function isTensorLike(value: unknown): value is TensorLike {
  return typeof value === 'object' && value !== null && 'shape' in value && typeof (value as TensorLike).dataSync === 'function';
}

function fromTensor(tensor: TensorLike): Gray[] {
  const shape = tensor.shape;
  const single = shape.length === 2 || (shape.length === 3 && shape[2] === 1);
  const batch = shape.length === 4 && shape[3] === 1 ? shape.slice(0, 3) : shape.length === 3 && !single ? shape : undefined;
  const [n, height, width] = single ? [1, shape[0]!, shape[1]!] : batch ? [batch[0]!, batch[1]!, batch[2]!] : [0, 0, 0];
  if (n === 0 || height === 0 || width === 0) {
    throw new PlotDataError('shape', `tensor of shape [${shape.join(', ')}] is not an image; expected [h, w], [h, w, 1], [n, h, w] or [n, h, w, 1] (grey).`);
  }
  const data = tensor.dataSync();
  const integer = data instanceof Uint8Array || data instanceof Int32Array;
  return Array.from({ length: n }, (_, i) => ({ width, height, integer, values: Array.prototype.slice.call(data, i * width * height, (i + 1) * width * height) as number[] }));
}

function fromArray(values: ArrayLike<number>, what: string): Gray {
  const side = Math.round(Math.sqrt(values.length));
  if (values.length === 0 || side * side !== values.length) {
    throw new PlotDataError('shape', `${what} has ${values.length} values; a flat image must be square (784 for 28x28). Pass rows (number[][]) or a tensor [h, w, 1] for other shapes.`);
  }
  return { width: side, height: side, values, integer: values instanceof Uint8Array || values instanceof Uint8ClampedArray };
}

function toGrays(images: ImageInput | readonly ImageInput[]): Gray[] {
  if (isTensorLike(images)) return fromTensor(images);
  if (ArrayBuffer.isView(images)) return [fromArray(images as ArrayLike<number>, 'image')];
  const list = images as readonly unknown[];
  if (list.length === 0) throw new PlotDataError('empty', 'no images were given; expected one image or a non-empty list.');
  if (typeof list[0] === 'number') return [fromArray(list as number[], 'image')];
  if (Array.isArray(list[0])) {
    const rows = list as readonly (readonly number[])[];
    rows.forEach((row, r) => {
      if (row.length !== rows[0]!.length) throw new PlotDataError('length-mismatch', `image row ${r} has ${row.length} values but row 0 has ${rows[0]!.length}; rows must be equally long.`);
    });
    return [{ width: rows[0]!.length, height: rows.length, values: rows.flat(), integer: false }];
  }
  return list.flatMap((image, i) => (isTensorLike(image) ? fromTensor(image) : [fromArray(image as ArrayLike<number>, `image ${i}`)]));
}

function valueRange(grays: Gray[], range: readonly [number, number] | undefined): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  grays.forEach((gray, i) => {
    for (let p = 0; p < gray.values.length; p++) {
      const v = gray.values[p]!;
      if (!Number.isFinite(v)) throw new PlotDataError('non-finite', `image ${i} pixel ${p} is ${v}; expected finite values. Check the preprocessing that produced it.`);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  });
  if (range) {
    if (!(Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[1] > range[0])) {
      throw new PlotOptionError(`range is [${range.join(', ')}]; expected [black, white] with black < white.`);
    }
    return [range[0], range[1]];
  }
  if (grays.every((g) => g.integer)) return [0, 255];
  if (lo >= 0 && hi <= 1) return [0, 1];
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

function checkInteger(value: number | undefined, name: string, min: number, max: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
    throw new PlotOptionError(`${name} is ${value}; expected a whole number from ${min} to ${max}.`);
  }
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

/** Title text as SVG, shrunk to fit the cell width. */
function titleSvg(text: string, x: number, y: number, width: number, color: string): string {
  let size = TITLE_FONT_SIZE;
  while (size > MIN_TITLE_FONT_SIZE && measureText(text, size) > width) size -= 1;
  return `<text x="${x}" y="${y}" font-family="${FONT_FAMILY}" font-size="${size}" text-anchor="middle" fill="${escapeXml(color)}">${escapeXml(text)}</text>`;
}

/**
 * Draws one or many grey images in a grid, black for `range[0]` and white for `range[1]` (matplotlib's `gray`).
 * Every image pixel becomes an exact `scale x scale` block; titles are set in the bundled font.
 * @example display(imshow(images.slice(0, 8), { titles: preds.map((p, i) => `pred ${p} / true ${labels[i]}`) }))
 */
export function imshow(images: ImageInput | readonly ImageInput[], options: ImshowOptions = {}): RasterImage {
  const grays = toGrays(images);
  const { titles, titleColors } = options;
  if (titles && titles.length !== grays.length) {
    throw new PlotDataError('length-mismatch', `${titles.length} titles for ${grays.length} images; expected one title per image.`);
  }
  checkInteger(options.cols, 'cols', 1, 1000);
  checkInteger(options.scale, 'scale', 1, MAX_SCALE);
  const scale = options.scale ?? (grays.length === 1 ? 8 : 3);
  const cols = Math.min(options.cols ?? 10, grays.length);
  const rows = Math.ceil(grays.length / cols);
  const [black, white] = valueRange(grays, options.range);
  const cellWidth = Math.max(...grays.map((g) => g.width)) * scale;
  const cellHeight = Math.max(...grays.map((g) => g.height)) * scale;
  const band = titles ? Math.round(TITLE_FONT_SIZE * 1.6) : 0;
  const width = GAP + cols * (cellWidth + GAP);
  const height = GAP + rows * (band + cellHeight + GAP);
  const cellOrigin = (i: number): [number, number] => [GAP + (i % cols) * (cellWidth + GAP), GAP + Math.floor(i / cols) * (band + cellHeight + GAP) + band];
  const texts = (titles ?? []).map((title, i) => {
    const [x, y] = cellOrigin(i);
    return titleSvg(title, x + cellWidth / 2, y - Math.round(band * 0.3), cellWidth, titleColors?.[i] ?? '#222');
  });
  // Background and titles come from resvg; the image pixels are then written directly, so they are exact.
  const base = texts.length > 0
    ? svgToPixels(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${texts.join('')}</svg>`, 1).rgba
    : new Uint8Array(width * height * 4).fill(255);
  const rgba = new Uint8Array(base);
  grays.forEach((gray, i) => {
    const [x0, y0] = cellOrigin(i);
    for (let r = 0; r < gray.height; r++) {
      for (let c = 0; c < gray.width; c++) {
        const level = Math.round((255 * (gray.values[r * gray.width + c]! - black)) / (white - black));
        const v = Math.min(255, Math.max(0, level));
        for (let dy = 0; dy < scale; dy++) {
          let p = ((y0 + r * scale + dy) * width + x0 + c * scale) * 4;
          for (let dx = 0; dx < scale; dx++, p += 4) rgba.set([v, v, v, 255], p);
        }
      }
    }
  });
  const png = PNG.sync.write(Object.assign(new PNG({ width, height }), { data: Buffer.from(rgba) }));
  return { kind: 'raster', width, height, rgba, png: new Uint8Array(png) };
}
