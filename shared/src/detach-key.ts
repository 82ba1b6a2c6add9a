// The detach key, tmux style: a prefix (Ctrl-] by default, `detach_key` in config.json) then
// `d`. The prefix twice sends it once; the prefix and anything else sends both. Here so that the
// client and nonod (which reads the keys itself when it owns the client's terminal) split keys alike.

export const DEFAULT_DETACH_KEY = 'ctrl-]';

/** session.detached's reason when nonod, reading the keys itself, saw the detach key. */
export const DETACH_KEY_REASON = 'detach key';

/** The byte of a `ctrl-X` key name, or undefined when the name is not one. */
export function controlByte(name: string): number | undefined {
  const match = /^ctrl-(.)$/i.exec(name.trim());
  if (!match) return undefined;
  const code = match[1]!.toUpperCase().charCodeAt(0);
  return code >= 0x40 && code <= 0x5f ? code & 0x1f : undefined;
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
