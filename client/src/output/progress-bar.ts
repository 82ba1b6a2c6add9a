// A progress bar on stderr for calls that report progress: only on a terminal, never with
// --json, and only once the call has taken a second, so quick calls print nothing extra. It
// draws the library's progress stream (client.withProgress); without a bar the call is plain.
import { SingleBar } from 'cli-progress';
import type { ParamsOf, ResultOf } from '@nono/shared/protocol/methods';
import type { Progress } from '@nono/shared/protocol/notifications';
import type { NonoClient, ProgressMethod } from '../index.js';
import { useColor } from './style.js';

/**
 * NONO_PROGRESS_DELAY_MS (documented in the README) moves that second: 0 draws the bar at once.
 * Read when a bar may be drawn: a warm client loaded this module before it had the user's environment.
 */
function progressDelay(value: string | undefined = process.env.NONO_PROGRESS_DELAY_MS): number {
  const ms = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(ms) && ms >= 0 ? ms : 1000;
}

export async function callWithProgressBar<M extends ProgressMethod>(
  client: NonoClient,
  method: M,
  params: Omit<ParamsOf<M>, 'progressToken'>,
  json: boolean | undefined,
): Promise<ResultOf<M>> {
  if (json || process.stderr.isTTY !== true) return client.call(method, params as ParamsOf<M>);
  const call = client.withProgress(method, params);
  const drawing = drawProgress(call.progress);
  try {
    return await call.result;
  } finally {
    await drawing;
  }
}

/** Draws updates until the stream ends (the call answered), then takes the bar away. */
async function drawProgress(updates: AsyncIterable<Progress>): Promise<void> {
  const started = Date.now();
  const showAfterMs = progressDelay();
  let bar: SingleBar | undefined;
  for await (const update of updates) {
    if (Date.now() - started < showAfterMs) continue;
    const total = update.totalFiles ?? 0;
    if (!bar) {
      bar = new SingleBar({
        stream: process.stderr,
        format: `${update.phase} {bar} {value}/{total} files | {size} | {rate}`,
        barCompleteChar: useColor(process.stderr) ? '\u2588' : '#',
        barIncompleteChar: useColor(process.stderr) ? '\u2591' : '-',
        hideCursor: true,
        clearOnComplete: true,
      });
      bar.start(total, 0, payload(update, started));
    }
    bar.setTotal(total);
    bar.update(update.files, payload(update, started));
  }
  bar?.stop();
}

function payload(update: Progress, started: number): { size: string; rate: string } {
  const seconds = Math.max(0.001, (Date.now() - started) / 1000);
  if (update.bytes === 0) return { size: '', rate: `${Math.round(update.files / seconds)} files/s` };
  return { size: `${mib(update.bytes)}${update.totalBytes ? ` of ${mib(update.totalBytes)}` : ''}`, rate: `${mib(update.bytes / seconds)}/s` };
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
