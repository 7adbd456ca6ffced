import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { barChart, confusionMatrix, trainingCurves } from '../../src/plot/charts.js';
import { PlotFormatError, PlotOptionError } from '../../src/plot/errors.js';
import { imshow } from '../../src/plot/image.js';
import { figureToSvg, renderImage, savefig } from '../../src/plot/render.js';
import { CHART } from './snapshot.js';

/** Fixture curves shaped like tutorial 004's SGD runs (loss falls, accuracy saturates), 31 logged points. */
const iterations = Array.from({ length: 31 }, (_, i) => i * 200);
const run = (tau: number, top: number) => ({
  x: iterations,
  loss: iterations.map((t) => 0.05 + 0.45 * Math.exp(-t / tau)),
  acc: iterations.map((t) => top - (top - 0.1) * Math.exp(-t / tau)),
});
const curves = trainingCurves({ 'batch 10': run(900, 0.82), 'batch 100': run(400, 0.85) }, {
  title: 'SGD with learning rate 0.001: batch size 10 vs. 100', xTitle: 'iteration',
});
const bars = barChart(['100', '500', '1000', '10000'], [0.6979, 0.7901, 0.8296, 0.8521], {
  title: 'Test accuracy vs. training set size', xTitle: 'training samples', yTitle: 'test accuracy', yRange: [0, 1],
});
const counts = Array.from({ length: 10 }, (_, r) => Array.from({ length: 10 }, (_, c) => (r === c ? 950 + 3 * r : (r * 7 + c * 3) % 13)));
const heatmap = confusionMatrix(counts, { title: 'Confusion matrix (test set)' });

async function png(figure: Parameters<typeof renderImage>[0], scale?: number): Promise<Buffer> {
  return Buffer.from((await renderImage(figure, { format: 'png', scale })) as Uint8Array);
}

describe('renderImage', () => {
  it('draws loss and accuracy side by side under a super-title like the committed snapshot', async () => {
    expect(await png(curves)).toMatchImageSnapshot({ ...CHART, customSnapshotIdentifier: 'chart-training-curves' });
  });

  it('draws a bar chart with values on the bars like the committed snapshot', async () => {
    expect(await png(bars)).toMatchImageSnapshot({ ...CHART, customSnapshotIdentifier: 'chart-bar-accuracy' });
  });

  it('draws a confusion-matrix heatmap with counts like the committed snapshot', async () => {
    expect(await png(heatmap)).toMatchImageSnapshot({ ...CHART, customSnapshotIdentifier: 'chart-confusion-matrix' });
  });

  it('labels the axes of a one-epoch run with the values, not rounded or padded ones', async () => {
    const svg = await figureToSvg(trainingCurves({ loss: [2.08], acc: [0.51] }, { title: 'Quick run' }));
    const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(expect.arrayContaining(['2.05', '2.10', '0.51', 'Quick run']));
    expect(labels.filter((l) => l === '1')).toHaveLength(2); // the epoch ticks, one per panel
    expect(labels.some((l) => /\.\d{4,}/.test(l ?? ''))).toBe(false);
  });

  it('fits two panels with their legend in a JupyterLab output area (under 860 CSS px) by default', async () => {
    const width = (svg: string): number => Number(/width="(\d+(?:\.\d+)?)"/.exec(svg)?.[1]);
    expect(width(await figureToSvg(curves))).toBeLessThanOrEqual(860);
  });

  it('gives the same bytes on every render (bundled font only, software rasteriser)', async () => {
    expect((await png(bars)).equals(await png(bars))).toBe(true);
  });

  it('multiplies the pixel size by scale, and by dpi / 96 for dpi', async () => {
    const one = PNG.sync.read(await png(bars, 1));
    const two = PNG.sync.read(await png(bars, 2));
    expect([two.width, two.height]).toEqual([one.width * 2, one.height * 2]);
    const dpi = PNG.sync.read(Buffer.from((await renderImage(bars, { format: 'png', dpi: 192 })) as Uint8Array));
    expect(dpi.width).toBe(two.width);
  });
});

describe('savefig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plot-'));

  it('writes PNG, JPEG and SVG chosen by extension, creating folders', async () => {
    await savefig(bars, join(dir, 'a/bars.png'));
    await savefig(bars, join(dir, 'bars.jpg'), { quality: 80 });
    await savefig(bars, join(dir, 'bars.svg'));
    expect(readFileSync(join(dir, 'a/bars.png')).subarray(1, 4).toString()).toBe('PNG');
    expect([...readFileSync(join(dir, 'bars.jpg')).subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(readFileSync(join(dir, 'bars.svg'), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*font-family="DejaVu Sans/);
  });

  it('saves raster images as they are, and refuses to resize them', async () => {
    const image = imshow(new Uint8Array(784).fill(128), { scale: 2 });
    await savefig(image, join(dir, 'digit.png'));
    expect(readFileSync(join(dir, 'digit.png')).equals(Buffer.from(image.png))).toBe(true);
    await savefig(image, join(dir, 'digit.svg'));
    expect(readFileSync(join(dir, 'digit.svg'), 'utf8')).toContain('image-rendering:pixelated');
    await expect(savefig(image, join(dir, 'big.png'), { dpi: 300 })).rejects.toThrow(PlotOptionError);
  });

  it('rejects an unknown extension or format and contradictory sizes with typed errors', async () => {
    await expect(savefig(bars, join(dir, 'bars.gif'))).rejects.toThrow(PlotFormatError);
    await expect(savefig(bars, join(dir, 'bars'))).rejects.toThrow(/cannot tell the image format/);
    await expect(savefig(bars, join(dir, 'bars.png'), { format: 'bmp' as never })).rejects.toThrow(/format "bmp"/);
    await expect(savefig(bars, join(dir, 'bars.png'), { scale: 2, dpi: 300 })).rejects.toThrow(PlotOptionError);
    await expect(savefig(bars, join(dir, 'bars.png'), { scale: -1 })).rejects.toThrow(/scale is -1/);
  });
});
