// How a list of changes reads to a person: one marker per path (+ - ~ p), line counts with
// --stat, unified diffs with --patch; the same for session diff, rollback and snapshot diff.
import { quoteName, type ResultOf } from '@nono/shared';
import { green, red } from './style.js';

type ChangeRecord = ResultOf<'snapshot.diff'>['changes'][number];

function counts(change: ChangeRecord): string {
  if (change.binary) return ' (binary)';
  if (change.added === undefined) return '';
  return ` ${green(process.stdout, `+${change.added}`)} ${red(process.stdout, `-${change.removed ?? 0}`)}`;
}

function marker(kind: string): string {
  if (kind === '+') return green(process.stdout, kind);
  if (kind === '-') return red(process.stdout, kind);
  return kind;
}

/**
 * A path as people should see it: a name that is not UTF-8 already comes quoted from the daemon
 * (with its bytes in pathBase64); others are quoted here if they hold control characters.
 */
export function displayPath(record: { path: string; pathBase64?: string }): string {
  return record.pathBase64 !== undefined ? record.path : quoteName(record.path);
}

export function printChanges(tree: string, changes: ChangeRecord[], indent = '  '): void {
  process.stdout.write(`${tree}: ${changes.length} change${changes.length === 1 ? '' : 's'}\n`);
  for (const change of changes) process.stdout.write(`${indent}${marker(change.kind)} ${displayPath(change)}${counts(change)}\n`);
  for (const change of changes) {
    if (change.patch === undefined || change.patch === '') continue;
    for (const line of change.patch.split('\n')) {
      const colored = line.startsWith('+') && !line.startsWith('+++') ? green(process.stdout, line) : line.startsWith('-') && !line.startsWith('---') ? red(process.stdout, line) : line;
      process.stdout.write(`${colored}\n`);
    }
  }
}
