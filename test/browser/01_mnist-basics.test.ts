// Notebook 01 in a real JupyterLab driven by Chromium: Run All in quick mode, then charts and images as a reader sees them.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../binder/binder-files.js';
import { findChromium, findJupyterLab } from './installed.js';
import { startJupyterLab, type RunningLab } from './jupyter-server.js';
import { parseKernelFrame, type KernelFrame } from './kernel-frames.js';

const NOTEBOOK = '01_mnist-basics.ipynb';
/** Screenshots kept as build artifacts. */
export const SCREENSHOT_DIR = join(ROOT, 'out', 'browser');
/** The flags the course's CI runs Chromium with: headless, no sandbox (root in a container), nothing fetched from outside. */
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Run All in quick mode takes about 30 s here (2 busy cores); the bound leaves room for a slow CI machine. */
const RUN_TIMEOUT_MS = 150_000;
/** Vega draws after the output arrives; images decode after insertion. */
const RENDER_TIMEOUT_MS = 30_000;
/** JupyterLab's built-in Vega 5 renderer (it sets no data-mime-type on its output, unlike the text and image ones). */
const VEGA_LITE_OUTPUT = '.jp-OutputArea-output.jp-RenderedVegaLite';
const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';
const PNG_OUTPUT = '.jp-OutputArea-output[data-mime-type="image/png"]';

const browser = findChromium();
const lab = findJupyterLab();
const skipReason = !browser.found ? browser.reason : !lab.found ? lab.reason : undefined;
if (skipReason !== undefined) console.log(`test/browser: skipped, ${skipReason}.`);

/** Resolves once `done()` holds, checking every 250 ms; rejects after `timeoutMs` with `what` in the message. */
async function waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The working copy JupyterLab serves: the notebook, and the built library and packages it imports, linked. */
function makeRoot(work: string): string {
  const root = join(work, 'root');
  mkdirSync(join(root, 'notebooks'), { recursive: true });
  // A copy, so that nothing the browser does can write into the repository's notebook.
  copyFileSync(join(ROOT, 'notebooks', NOTEBOOK), join(root, 'notebooks', NOTEBOOK));
  for (const name of ['dist', 'node_modules', 'package.json']) symlinkSync(join(ROOT, name), join(root, name));
  return root;
}

describe.skipIf(skipReason !== undefined)(`notebooks/${NOTEBOOK} in JupyterLab, run in Chromium in quick mode`, () => {
  const frames: KernelFrame[] = [];
  const seconds: Record<string, number> = {};
  let work: string;
  let server: RunningLab | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let codeCells = 0;

  const replies = (): KernelFrame[] => frames.filter((frame) => frame.msgType === 'execute_reply');
  const printed = (): string => frames.map((frame) => {
    if (frame.msgType === 'stream') return String(frame.content['text']);
    if (frame.msgType === 'display_data') return String((frame.content['data'] as Record<string, unknown> | undefined)?.['text/plain'] ?? '');
    return '';
  }).join('');

  beforeAll(async () => {
    if (!browser.found || !lab.found) throw new Error('unreachable: skipped without Chromium or JupyterLab');
    if (!existsSync(join(ROOT, 'dist', 'src', 'index.js'))) throw new Error('dist/ is not built: run npm run build (npm test does) first');
    const started = Date.now();
    const mark = (name: string): void => { seconds[name] = (Date.now() - started) / 1000; };
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'browser-lab-'));
    const notebook = JSON.parse(readFileSync(join(ROOT, 'notebooks', NOTEBOOK), 'utf8')) as { cells: { cell_type: string }[] };
    codeCells = notebook.cells.filter((cell) => cell.cell_type === 'code').length;
    server = await startJupyterLab({
      jupyter: lab.value.jupyter, rootDir: makeRoot(work), stateDir: join(work, 'jupyter'),
      // Kernels inherit the server's environment, as on Binder (binder/start sets quick mode there).
      env: { MNIST_COURSE_MODE: 'quick', MNIST_GRADER_DB: join(work, 'grader.sqlite') },
    });
    mark('server');
    context = await chromium.launchPersistentContext(join(work, 'chromium-profile'), {
      executablePath: browser.value, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? await context.newPage();
    page.on('websocket', (socket) => {
      if (!socket.url().includes('/api/kernels/')) return;
      socket.on('framereceived', ({ payload }) => {
        const frame = parseKernelFrame(payload);
        if (frame !== undefined) frames.push(frame);
      });
    });
    try {
      await page.goto(server.url(`lab/tree/notebooks/${NOTEBOOK}`));
      await page.locator('.jp-NotebookPanel .jp-Notebook .jp-Cell').first().waitFor({ timeout: 60_000 });
      await waitFor('the kernel to answer kernel_info', () => frames.some((frame) => frame.msgType === 'kernel_info_reply'), 60_000);
      mark('lab and kernel');
      await page.locator('#jp-MainMenu .lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
      await page.locator('.lm-Menu-content .lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click();
      await waitFor(`${codeCells} execute replies`,
        () => replies().length >= codeCells || replies().some((reply) => reply.content['status'] !== 'ok'), RUN_TIMEOUT_MS);
      mark('run all');
      await page.locator(`${VEGA_LITE_OUTPUT} :is(svg, canvas)`).first().waitFor({ timeout: RENDER_TIMEOUT_MS });
      await page.waitForFunction((selector) => Array.from(document.querySelectorAll<HTMLImageElement>(selector))
        .every((image) => image.complete && image.naturalWidth > 0), `${PNG_OUTPUT} img`, { timeout: RENDER_TIMEOUT_MS });
      const chart = page.locator(VEGA_LITE_OUTPUT).first();
      await chart.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SCREENSHOT_DIR, '01_mnist-basics-lab.png') });
      await chart.screenshot({ path: join(SCREENSHOT_DIR, '01_mnist-basics-chart.png') });
      await page.locator(PNG_OUTPUT).first().screenshot({ path: join(SCREENSHOT_DIR, '01_mnist-basics-digits.png') });
      mark('rendered');
      console.log(`test/browser: JupyterLab ${lab.value.version}, Chromium at ${browser.value}; seconds since start: ` +
        Object.entries(seconds).map(([name, value]) => `${name} ${value.toFixed(1)}`).join(', '));
    } catch (error) {
      await page.screenshot({ path: join(SCREENSHOT_DIR, '01_mnist-basics-failure.png') }).catch(() => undefined);
      const outputs = await page.locator('.jp-OutputArea-output').evaluateAll((elements) =>
        elements.map((element) => `${element.getAttribute('data-mime-type')} ${element.className}`)).catch(() => []);
      throw new Error(`${(error as Error).message}\nOutputs on the page:\n${outputs.join('\n')}\n` +
        `Kernel output so far:\n${printed().slice(-3000)}\nServer log:\n${server.log()}`);
    }
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await server?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('runs on the tslab TypeScript kernel the notebook names', () => {
    const info = frames.find((frame) => frame.msgType === 'kernel_info_reply');
    expect(info?.content['implementation']).toBe('tslab');
    expect((info?.content['language_info'] as { name?: string } | undefined)?.name).toBe('typescript');
  });

  it('runs every code cell to an ok reply, with no error output', () => {
    const statuses = replies().map((reply) => reply.content['status']);
    expect(codeCells).toBeGreaterThan(0);
    expect(statuses, printed().slice(-3000)).toEqual(Array.from({ length: codeCells }, () => 'ok'));
    expect(frames.filter((frame) => frame.msgType === 'error')).toEqual([]);
  });

  it('runs in quick mode, which the kernel inherits from the server environment', () => {
    expect(printed()).toContain('quick mode');
  });

  it('draws the Vega-Lite training chart inside its output', async () => {
    expect(frames.some((frame) => frame.msgType === 'display_data' && VEGA_LITE_MIME in (frame.content['data'] as object))).toBe(true);
    const sizes = await page.locator(`${VEGA_LITE_OUTPUT} :is(svg, canvas)`).evaluateAll((elements) =>
      elements.map((element) => { const box = element.getBoundingClientRect(); return { width: box.width, height: box.height }; }));
    expect(sizes.length).toBeGreaterThanOrEqual(1);
    expect(sizes[0]?.width).toBeGreaterThan(100);
    expect(sizes[0]?.height).toBeGreaterThan(100);
  });

  it('shows the MNIST and Fashion-MNIST digit grids as decoded PNG images', async () => {
    const images = await page.locator(`${PNG_OUTPUT} img`).evaluateAll((elements) =>
      (elements as HTMLImageElement[]).map((image) => ({ width: image.naturalWidth, height: image.naturalHeight, src: image.src.slice(0, 22) })));
    expect(images.length).toBeGreaterThanOrEqual(2);
    for (const image of images) {
      expect(image.src).toBe('data:image/png;base64,');
      expect(image.width).toBeGreaterThan(200);
      expect(image.height).toBeGreaterThan(20);
    }
  });

  it('saves screenshots of the notebook, the chart and the digit grid', () => {
    for (const name of ['lab', 'chart', 'digits']) expect(existsSync(join(SCREENSHOT_DIR, `01_mnist-basics-${name}.png`))).toBe(true);
  });
});
