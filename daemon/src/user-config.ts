// config.json in the config dir: the user's daemon-wide settings (default profile, snapshot and
// audit retention, the credential command cache). Read at each use so an edit applies at once;
// written whole through a temp file and a rename, so a change to one key keeps the others.
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NonoError, type ErrorKind } from '@nono/shared';
import { writeFileDurably } from './snapshots/durable-files.js';

export function userConfigFile(configDir: string): string {
  return join(configDir, 'config.json');
}

/** The settings as an object ({} when there is no file); `kind` is what a broken file is reported as. */
export function readUserConfig(configDir: string, kind: ErrorKind = 'INVALID_PARAMS'): Record<string, unknown> {
  const file = userConfigFile(configDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new NonoError(kind, `${file} cannot be read (${(error as NodeJS.ErrnoException).code}); fix its permissions or remove it`, { path: file });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new NonoError(kind, `${file} is not valid JSON (${(error as Error).message}); fix it or remove the file`, { path: file });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new NonoError(kind, `${file} is not a JSON object; fix it or remove the file`, { path: file });
  }
  return value as Record<string, unknown>;
}

export async function writeUserConfig(configDir: string, config: Record<string, unknown>): Promise<string> {
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  const file = userConfigFile(configDir);
  await writeFileDurably(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}
