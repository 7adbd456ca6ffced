// The bundled DejaVu Sans: where its files are, and text widths measured with it for Vega's layout.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import opentype from 'opentype.js';
import { FONT_FAMILY } from './vegalite.js';

/** Files under assets/fonts (DejaVu 2.37 from the dejavu-fonts-ttf package; licence beside them). */
const FONT_FILES = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' } as const;

let cachedPaths: { regular: string; bold: string } | undefined;

/** Absolute paths of the bundled fonts; found by walking up from this file (works from src/ and dist/src/). */
export function fontPaths(): { regular: string; bold: string } {
  if (cachedPaths) return cachedPaths;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++) {
    const candidate = join(dir, 'assets', 'fonts');
    if (existsSync(join(candidate, FONT_FILES.regular))) {
      cachedPaths = { regular: join(candidate, FONT_FILES.regular), bold: join(candidate, FONT_FILES.bold) };
      return cachedPaths;
    }
    dir = dirname(dir);
  }
  throw new Error(`Bundled font ${FONT_FILES.regular} not found in assets/fonts above ${fileURLToPath(import.meta.url)}; reinstall the package.`);
}

type Font = ReturnType<typeof opentype.parse>;
let fonts: { regular: Font; bold: Font } | undefined;

function loadFonts(): { regular: Font; bold: Font } {
  if (!fonts) {
    const paths = fontPaths();
    const parse = (path: string): Font => {
      const bytes = readFileSync(path);
      return opentype.parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    };
    fonts = { regular: parse(paths.regular), bold: parse(paths.bold) };
  }
  return fonts;
}

/**
 * Advance width in pixels of `text` set in the bundled font. Sums glyph advances without shaping:
 * opentype.js 2.0 cannot apply DejaVu's GSUB tables, and Latin labels need no shaping; kerning is ignored (< 2%).
 */
export function measureText(text: string, fontSize: number, bold = false): number {
  const font = bold ? loadFonts().bold : loadFonts().regular;
  let units = 0;
  for (const char of text) units += font.charToGlyph(char).advanceWidth ?? 0;
  return (units * fontSize) / font.unitsPerEm;
}

/** The text item fields Vega passes to `textMetrics.width`. */
interface TextItem {
  font?: string;
  fontSize?: number;
  fontWeight?: string | number;
  limit?: number;
}

interface VegaTextMetrics {
  width: (item: TextItem, text: unknown) => number;
}

const installed = new WeakSet<object>();

/**
 * Makes Vega measure text in our font when it lays out axes, legends and titles.
 * Without a canvas package Vega in Node guesses `0.8 * fontSize` per character, about 25% too wide for DejaVu
 * digits: tick labels get dropped as "overlapping" and axis titles drift away from the axis.
 * Items in any other font keep Vega's own measure, so other Vega users in the process are unaffected.
 */
export function installTextMetrics(textMetrics: VegaTextMetrics): void {
  if (installed.has(textMetrics)) return;
  const fallback = textMetrics.width;
  textMetrics.width = (item, text) => {
    if (!String(item.font ?? '').startsWith(FONT_FAMILY)) return fallback(item, text);
    const value = text == null ? '' : String(text).trim();
    const weight = item.fontWeight;
    const bold = weight === 'bold' || (typeof weight === 'number' && weight >= 600) || Number(weight) >= 600;
    return measureText(value, item.fontSize ?? 11, bold);
  };
  installed.add(textMetrics);
}
