// Turns iopub messages into nbformat outputs as Jupyter does, and recovers tslab's errors from its stderr text.
import type { JupyterMessage } from './protocol.js';
import { joinLines, type DisplayDataOutput, type ErrorOutput, type MimeData, type Output } from './notebook.js';

/**
 * Collects the outputs of one notebook run. Displays are tracked across cells because update_display_data
 * replaces every earlier output with the same display_id, wherever it is, in place.
 */
export class OutputCollector {
  private readonly displays = new Map<string, DisplayDataOutput[]>();
  private clearOnNextOutput = false;

  /** Applies one iopub message to `outputs` (the cell's list, mutated). Unknown message types are ignored. */
  handle(outputs: Output[], message: JupyterMessage): void {
    const content = message.content;
    switch (message.header.msg_type) {
      case 'stream':
        this.beforeOutput(outputs);
        appendStream(outputs, content['name'] === 'stderr' ? 'stderr' : 'stdout', String(content['text'] ?? ''));
        break;
      case 'display_data': {
        this.beforeOutput(outputs);
        const output: DisplayDataOutput = { output_type: 'display_data', data: mimeData(content), metadata: metadataOf(content) };
        outputs.push(output);
        const displayId = displayIdOf(content);
        if (displayId !== undefined) this.displays.set(displayId, [...(this.displays.get(displayId) ?? []), output]);
        break;
      }
      case 'update_display_data': {
        const displayId = displayIdOf(content);
        for (const output of displayId === undefined ? [] : this.displays.get(displayId) ?? []) {
          output.data = mimeData(content);
          output.metadata = metadataOf(content);
        }
        break;
      }
      case 'execute_result': {
        this.beforeOutput(outputs);
        const count = content['execution_count'];
        outputs.push({
          output_type: 'execute_result', execution_count: typeof count === 'number' ? count : null,
          data: mimeData(content), metadata: metadataOf(content),
        });
        break;
      }
      case 'error':
        this.beforeOutput(outputs);
        outputs.push({
          output_type: 'error',
          ename: String(content['ename'] ?? 'Error'),
          evalue: String(content['evalue'] ?? ''),
          traceback: Array.isArray(content['traceback']) ? content['traceback'].map(String) : [],
        });
        break;
      case 'clear_output':
        if (content['wait'] === true) this.clearOnNextOutput = true;
        else outputs.length = 0;
        break;
      default:
        break;
    }
  }

  private beforeOutput(outputs: Output[]): void {
    if (!this.clearOnNextOutput) return;
    outputs.length = 0;
    this.clearOnNextOutput = false;
  }
}

/** Appends to the last output when it is the same stream, as Jupyter front ends and nbclient merge them. */
export function appendStream(outputs: Output[], name: 'stdout' | 'stderr', text: string): void {
  const last = outputs.at(-1);
  if (last?.output_type === 'stream' && last.name === name) last.text = joinLines(last.text) + text;
  else outputs.push({ output_type: 'stream', name, text });
}

/**
 * Where tslab's error report starts in its stderr text: a TypeScript diagnostic (`3:7 - Type 'string' is not…`,
 * optionally after a file name), Node's source excerpt of a synchronous throw (`evalmachine.<anonymous>:7`), or a
 * printed Error (`TypeError: x is not a function` and its stack).
 */
const ERROR_START = /^(?:\S+ )?\d+:\d+ - |^evalmachine\.<anonymous>:\d+$|^[A-Za-z_$][\w$.]*(?:Error|Exception)\b|^Uncaught/;
const DIAGNOSTIC = /^(?:\S+ )?\d+:\d+ - /;
/** `RangeError: message` or `TypeError [ERR_CODE]: message`. */
const THROWN = /^([A-Za-z_$][\w$.]*)(?: \[[^\]]+\])?: (.*)$/;

/**
 * Builds the `error` output for a cell that tslab reported with status "error". tslab sends no `error` message:
 * it prints the diagnostics or the thrown value to stderr. The trailing stderr text from the first line that looks
 * like an error is moved out of the stream into the error output (TF.js warnings printed before it stay put);
 * without such a line the whole trailing stderr text is used.
 */
export function errorFromStderr(outputs: Output[]): ErrorOutput {
  const last = outputs.at(-1);
  if (last?.output_type !== 'stream' || last.name !== 'stderr') {
    return { output_type: 'error', ename: 'Error', evalue: 'The kernel reported an error but printed no message.', traceback: [] };
  }
  const lines = joinLines(last.text).split('\n');
  const startAt = Math.max(0, lines.findIndex((line) => ERROR_START.test(line)));
  const errorLines = lines.slice(startAt);
  while (errorLines.length > 0 && errorLines.at(-1)?.trim() === '') errorLines.pop();
  const kept = lines.slice(0, startAt).join('\n');
  if (startAt === 0) outputs.pop();
  else last.text = `${kept}\n`;
  const diagnostics = errorLines.filter((line) => DIAGNOSTIC.test(line));
  if (diagnostics.length > 0) return { output_type: 'error', ename: 'TSError', evalue: diagnostics.join('\n'), traceback: errorLines };
  const thrown = errorLines.map((line) => THROWN.exec(line)).find((match) => match !== null);
  return {
    output_type: 'error',
    ename: thrown?.[1] ?? 'Error',
    evalue: thrown?.[2] ?? errorLines.find((line) => line.trim() !== '') ?? '',
    traceback: errorLines,
  };
}

function mimeData(content: Record<string, unknown>): MimeData {
  const data = content['data'];
  return data !== null && typeof data === 'object' ? { ...(data as MimeData) } : {};
}

function metadataOf(content: Record<string, unknown>): Record<string, unknown> {
  const metadata = content['metadata'];
  return metadata !== null && typeof metadata === 'object' ? { ...(metadata as Record<string, unknown>) } : {};
}

function displayIdOf(content: Record<string, unknown>): string | undefined {
  const transient = content['transient'];
  if (transient === null || typeof transient !== 'object') return undefined;
  const id = (transient as Record<string, unknown>)['display_id'];
  return typeof id === 'string' && id !== '' ? id : undefined;
}
