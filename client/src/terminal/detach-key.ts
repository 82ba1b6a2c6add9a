// The detach key, tmux style: a prefix (Ctrl-] by default, `detach_key` in config.json) then
// `d`. The prefix twice sends it once; the prefix and anything else sends both.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_DETACH_KEY = 'ctrl-]';

/** The byte of a `ctrl-X` key name, or undefined when the name is not one. */
export function controlByte(name: string): number | undefined {
  const match = /^ctrl-(.)$/i.exec(name.trim());
  if (!match) return undefined;
  const code = match[1]!.toUpperCase().charCodeAt(0);
  return code >= 0x40 && code <= 0x5f ? code & 0x1f : undefined;
}

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

export class DetachKeyFilter {
  private armed = false;

  constructor(private readonly prefix: number) {}

  /** Splits typed bytes into what goes to the session and whether the user asked to detach. */
  feed(data: Buffer): { forward: Buffer; detach: boolean } {
    const out: number[] = [];
    for (const byte of data) {
      if (this.armed) {
        this.armed = false;
        if (byte === 0x64 /* d */) return { forward: Buffer.from(out), detach: true };
        out.push(this.prefix);
        if (byte !== this.prefix) out.push(byte);
      } else if (byte === this.prefix) {
        this.armed = true;
      } else {
        out.push(byte);
      }
    }
    return { forward: Buffer.from(out), detach: false };
  }
}
