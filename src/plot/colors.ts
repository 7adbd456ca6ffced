// Colour facts shared by the translation and the helpers: trace palette and plotly's named colour scales.

/** plotly's default trace colours, which are also matplotlib's `tab10` cycle (the tutorials' colours). */
export const TRACE_COLORS = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd',
  '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
] as const;

/** A colour scale as plotly writes it: `[position in 0..1, css colour]` stops. */
export type ColorStops = Array<[number, string]>;

/** matplotlib's `Blues` (ColorBrewer), light for low values and dark for high ones: the confusion-matrix look. */
export const BLUES: ColorStops = [
  '#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b',
].map((color, i, all) => [i / (all.length - 1), color]);

/**
 * plotly.js's own named scales (src/components/colorscale/scales.js), copied so both renderers agree;
 * Viridis is sampled at 10 stops, which is visually the same map. Note plotly's `Blues` is dark for LOW values.
 */
const PLOTLY_SCALES: Record<string, ColorStops> = {
  Greys: [[0, 'rgb(0,0,0)'], [1, 'rgb(255,255,255)']],
  Blues: [[0, 'rgb(5,10,172)'], [0.35, 'rgb(40,60,190)'], [0.5, 'rgb(70,100,245)'], [0.6, 'rgb(90,120,245)'],
    [0.7, 'rgb(106,137,247)'], [1, 'rgb(220,220,220)']],
  Reds: [[0, 'rgb(220,220,220)'], [0.2, 'rgb(245,195,157)'], [0.4, 'rgb(245,160,105)'], [1, 'rgb(178,10,28)']],
  Greens: [[0, 'rgb(0,68,27)'], [0.125, 'rgb(0,109,44)'], [0.25, 'rgb(35,139,69)'], [0.375, 'rgb(65,171,93)'],
    [0.5, 'rgb(116,196,118)'], [0.625, 'rgb(161,217,155)'], [0.75, 'rgb(199,233,192)'],
    [0.875, 'rgb(229,245,224)'], [1, 'rgb(247,252,245)']],
  Viridis: ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b',
    '#fde725'].map((color, i, all) => [i / (all.length - 1), color]),
};

/** Resolves plotly's `colorscale` (a name or stops) to stops; `undefined` means the name is unknown. */
export function colorStops(scale: unknown): ColorStops | undefined {
  if (scale === undefined) return PLOTLY_SCALES['Viridis'];
  if (typeof scale === 'string') return PLOTLY_SCALES[scale];
  if (Array.isArray(scale) && scale.every((s) => Array.isArray(s) && typeof s[0] === 'number' && typeof s[1] === 'string')) {
    return scale as ColorStops;
  }
  return undefined;
}

/** Names accepted by `colorStops`, for error messages. */
export const NAMED_SCALES = Object.keys(PLOTLY_SCALES);

/** Parses `#rgb`, `#rrggbb` or `rgb(r,g,b)` into 0..255 channels. */
export function parseColor(css: string): [number, number, number] {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(css);
  if (hex?.[1]) {
    const h = hex[1].length === 3 ? [...hex[1]].map((c) => c + c).join('') : hex[1];
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
  }
  const rgb = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)/i.exec(css);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  return [0, 0, 0];
}

/** The colour at `t` in 0..1 along `stops`, linearly interpolated in RGB as plotly and Vega do. */
export function colorAt(stops: ColorStops, t: number): [number, number, number] {
  const first = stops[0];
  if (!first) return [0, 0, 0];
  let lower = first;
  for (const stop of stops) {
    if (stop[0] >= t) {
      const span = stop[0] - lower[0];
      const f = span > 0 ? (t - lower[0]) / span : 0;
      const a = parseColor(lower[1]);
      const b = parseColor(stop[1]);
      return [0, 1, 2].map((i) => a[i]! + (b[i]! - a[i]!) * f) as [number, number, number];
    }
    lower = stop;
  }
  return parseColor(lower[1]);
}

/** Black or white, whichever reads better on `rgb` (WCAG relative luminance, threshold at mid-grey). */
export function contrastText(rgb: [number, number, number]): string {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.18 ? 'black' : 'white';
}
