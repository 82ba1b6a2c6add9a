// A progress bar on stderr for calls that report progress: only on a terminal, never with
// --json, and only once the call has taken a second, so quick calls print nothing extra.
import { randomBytes } from 'node:crypto';
import { SingleBar } from 'cli-progress';
import type { NonoClient } from '../index.js';
import type { Progress } from '@nono/shared/protocol/notifications';
import { useColor } from './style.js';

// NONO_PROGRESS_DELAY_MS (documented in the README) moves that second: 0 draws the bar at once.
const SHOW_AFTER_MS = progressDelay(process.env.NONO_PROGRESS_DELAY_MS);

function progressDelay(value: string | undefined): number {
  const ms = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(ms) && ms >= 0 ? ms : 1000;
}

export interface ProgressHandle {
  /** Pass as progressToken; undefined when no bar will be drawn. */
  token: string | undefined;
  done(): void;
}

export function progressBar(client: NonoClient, json: boolean | undefined): ProgressHandle {
  if (json || process.stderr.isTTY !== true) return { token: undefined, done: () => undefined };
  const token = randomBytes(6).toString('hex');
  const started = Date.now();
  let bar: SingleBar | undefined;
  client.on('progress', (update) => {
    if (update.token !== token || Date.now() - started < SHOW_AFTER_MS) return;
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
  });
  return { token, done: () => bar?.stop() };
}

function payload(update: Progress, started: number): { size: string; rate: string } {
  const seconds = Math.max(0.001, (Date.now() - started) / 1000);
  if (update.bytes === 0) return { size: '', rate: `${Math.round(update.files / seconds)} files/s` };
  return { size: `${mib(update.bytes)}${update.totalBytes ? ` of ${mib(update.totalBytes)}` : ''}`, rate: `${mib(update.bytes / seconds)}/s` };
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
