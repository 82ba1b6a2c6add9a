// Every failure reaches the user as one line (what, why, what to do), or as JSON for scripts;
// never as a stack trace.
import { ERROR_KINDS, NonoError } from '@nono/shared/protocol/errors';
import { red } from './style.js';

export function describeError(error: unknown): { kind: string; message: string } {
  if (error instanceof NonoError) return { kind: error.kind, message: error.message };
  // A NonoError from a module loaded beside the bundle (nono learn's tracer) is another class.
  const kind = (error as { kind?: unknown } | null)?.kind;
  if (error instanceof Error && typeof kind === 'string' && kind in ERROR_KINDS) return { kind, message: error.message };
  const e = error as NodeJS.ErrnoException;
  return { kind: 'INTERNAL', message: e?.message ? e.message.split('\n')[0]! : String(error) };
}

export function reportError(error: unknown, json: boolean): void {
  const { kind, message } = describeError(error);
  if (json) {
    process.stderr.write(`${JSON.stringify({ error: { kind, message } })}\n`);
  } else {
    process.stderr.write(`${red(process.stderr, 'nono:')} ${message}\n`);
  }
}
