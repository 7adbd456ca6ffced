import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRequire } from 'node:module';
import { barChart } from '../../src/plot/charts.js';
import { display, setDisplaySink, show } from '../../src/plot/display.js';
import { PlotDataError } from '../../src/plot/errors.js';
import { imshow } from '../../src/plot/image.js';
import { VEGA_LITE_MIME } from '../../src/plot/vegalite.js';

/** Records what tslab's display would send: one entry per `raw` call, with the handle that sent it. */
function fakeTslab(): { module: unknown; calls: Array<{ handle: number; mime: string; data: unknown }> } {
  const calls: Array<{ handle: number; mime: string; data: unknown }> = [];
  let handles = 0;
  const handle = (id: number) => ({ raw: (mime: string, data: unknown) => void calls.push({ handle: id, mime, data }) });
  return { calls, module: { display: handle(0), newDisplay: () => handle(++handles) } };
}

const bars = barChart(['100', '1000'], [0.7, 0.83], { xTitle: 'samples', yTitle: 'accuracy' });
const globals = globalThis as { __tslab__?: unknown };

afterEach(() => {
  delete globals.__tslab__;
  setDisplaySink(undefined);
  vi.restoreAllMocks();
});

describe('display in the tslab kernel', () => {
  it('sends a chart as one Vega-Lite v5 bundle through the running kernel, as a notebook cell would', () => {
    const tslab = fakeTslab();
    // What tslab puts on globalThis while it runs a cell: its require hook returns the kernel's own module.
    globals.__tslab__ = { require: (id: string) => (id === 'tslab' ? tslab.module : undefined) };
    display(bars);
    expect(tslab.calls).toHaveLength(1);
    const [call] = tslab.calls;
    expect(call!.mime).toBe(VEGA_LITE_MIME);
    expect((call!.data as Record<string, unknown>)['$schema']).toContain('vega-lite/v5');
    expect(JSON.stringify(call!.data)).toContain('"samples"');
  });

  it('sends an imshow grid as image/png bytes', () => {
    const tslab = fakeTslab();
    globals.__tslab__ = { require: () => tslab.module };
    const image = imshow(new Uint8Array(784).fill(200));
    show(image);
    expect(tslab.calls.map((c) => c.mime)).toEqual(['image/png']);
    expect(Buffer.from(tslab.calls[0]!.data as Uint8Array).subarray(1, 4).toString()).toBe('PNG');
  });

  it('falls back to a text summary when tslab answers "Not ready"', () => {
    setDisplaySink({ display: { raw: () => { throw new Error('Not ready'); } }, newDisplay: () => ({ raw: () => undefined }) });
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    display(bars);
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/^\[figure: 1 trace\(s\) \(bar\) in 1 panel\(s\)/));
  });
});

describe('outside the kernel', () => {
  it('display prints a one-line summary and still validates the data', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    display(bars);
    expect(log).toHaveBeenCalledTimes(1);
    expect(() => display({ data: [{ y: [NaN] }] })).toThrow(PlotDataError);
  });

  it('show hands data and layout to nodeplotlib.plot, with heatmap counts as annotations for its plotly 1.58', () => {
    const require = createRequire(import.meta.url);
    const path = require.resolve('nodeplotlib');
    const plot = vi.fn();
    const saved = require.cache[path];
    // Stands in for nodeplotlib in the CommonJS cache, so no server starts.
    require.cache[path] = { exports: { plot } } as NodeJS.Module;
    try {
      show(bars);
      show({ data: [{ type: 'heatmap', z: [[1, 2]], texttemplate: '%{z}' }] });
    } finally {
      if (saved) require.cache[path] = saved;
      else delete require.cache[path];
    }
    expect(plot).toHaveBeenCalledTimes(2);
    expect(plot.mock.calls[0]![0]).toBe(bars.data);
    expect(plot.mock.calls[1]![1].annotations.map((a: { text: string }) => a.text)).toEqual(['1', '2']);
  });
});
