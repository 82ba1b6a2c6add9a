// The profile `nono run` and `nono shell` use when none is named: `default_profile` in
// config.json (set by `nono profile use`), else the built-in `default`. Read on every run so a
// change applies at once; written by read-modify-rename so the file's other keys survive.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NonoError } from '@nono/shared';

export const BUILTIN_DEFAULT = 'default';

function configFile(configDir: string): string {
  return join(configDir, 'config.json');
}

export function readConfig(configDir: string): Record<string, unknown> {
  const file = configFile(configDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Reported below.
  }
  throw new NonoError('PROFILE_INVALID', `${file} is not a JSON object; fix it or remove it`, { file });
}

export function defaultProfile(configDir: string): string {
  const name = readConfig(configDir).default_profile;
  return typeof name === 'string' && name !== '' ? name : BUILTIN_DEFAULT;
}
