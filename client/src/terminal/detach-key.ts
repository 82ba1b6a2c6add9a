// Which detach key the user chose (`detach_key` in config.json); the key itself is split from
// typed bytes by @nono/shared's DetachKeyFilter, in this client or in nonod.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { controlByte, DEFAULT_DETACH_KEY } from '@nono/shared/detach-key';

export function configuredDetachKey(configDir: string): { byte: number; name: string } {
  let name = DEFAULT_DETACH_KEY;
  try {
    const config = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as { detach_key?: unknown };
    if (typeof config.detach_key === 'string' && controlByte(config.detach_key) !== undefined) name = config.detach_key;
  } catch {
    // No config, or not JSON: the default key.
  }
  return { byte: controlByte(name)!, name };
}
