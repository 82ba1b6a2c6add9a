// How many session snapshots to keep and how big the store may grow: the "snapshots" key of
// config.json, read at every gc so an edit takes effect without restarting the daemon.
import { NonoError } from '@nono/shared';
import { parseByteSize } from '@nono/shared/byte-size';
import { readUserConfig, userConfigFile } from '../user-config.js';

export interface RetentionPolicy {
  /** Sessions whose snapshots are kept, newest first; older ones are deleted by gc. */
  keepSessions: number | null;
  /** Store size above which the oldest session snapshots are deleted. */
  maxBytes: number | null;
}

export function readRetention(configDir: string): RetentionPolicy {
  const file = userConfigFile(configDir);
  const config = readUserConfig(configDir) as { snapshots?: { keep_sessions?: unknown; max_size?: unknown } };
  const section = config.snapshots ?? {};
  const keep = section.keep_sessions;
  if (keep !== undefined && (!Number.isInteger(keep) || (keep as number) < 0)) {
    throw new NonoError('INVALID_PARAMS', `${file}: snapshots.keep_sessions must be a whole number of sessions (0 or more), not ${JSON.stringify(keep)}.`, { path: file, key: 'snapshots.keep_sessions' });
  }
  return { keepSessions: (keep as number | undefined) ?? null, maxBytes: parseSize(section.max_size, file) };
}

function parseSize(value: unknown, file: string): number | null {
  if (value === undefined) return null;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  const bytes = typeof value === 'string' ? parseByteSize(value) : undefined;
  if (bytes === undefined) {
    throw new NonoError('INVALID_PARAMS', `${file}: snapshots.max_size must be a byte count or a size like "10G" or "500MB", not ${JSON.stringify(value)}.`, { path: file, key: 'snapshots.max_size' });
  }
  return Math.floor(bytes);
}
