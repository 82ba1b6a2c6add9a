// The frames of run.sock, where the `nono` launcher hands nonod a `nono run` and relays it
// (native-helper/launcher/daemon-run.h has the same list): one type byte, the data's length as
// four bytes little-endian, the data. Written by hand: five bytes of header need no library.
export const FRAME = {
  /** launcher: the command line (first, once): a version byte, a flags byte, then NUL-terminated strings. */
  request: 'q',
  /** launcher: bytes of its stdin; stdin ended; a signal it got (its number, in decimal). */
  input: 'i',
  inputEnd: 'd',
  signal: 's',
  /** nonod: the session started; from now on the launcher reads its stdin and passes signals on. */
  started: 'a',
  /** nonod: nothing ran and nothing will: the launcher runs the command as it would without run.sock. */
  notRun: 'N',
  /** nonod: bytes for the launcher's stdout, its stderr. */
  stdout: 'o',
  stderr: 'e',
  /** nonod: after the exit, run `nono run-report DATA` for what the Node client prints after a run. */
  report: 'r',
  /** nonod: the exit status to exit with (decimal); the last frame. */
  exit: 'x',
} as const;

const HEADER = 5;

export function frame(type: string, data: Buffer | string = ''): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const header = Buffer.alloc(HEADER);
  header.write(type, 0, 'latin1');
  header.writeUInt32LE(body.length, 1);
  return Buffer.concat([header, body]);
}

/** Cuts a byte stream into frames; refuses (throws) a frame longer than maxLength before reading it. */
export class FrameReader {
  /** Chunks not yet cut, joined only once a whole frame is there (a 4 MiB request comes in many). */
  private chunks: Buffer[] = [];
  private length = 0;

  constructor(private readonly maxLength: () => number) {}

  push(chunk: Buffer): { type: string; data: Buffer }[] {
    this.chunks.push(chunk);
    this.length += chunk.length;
    // A request dripped a byte at a time would cost a Buffer's overhead per byte: joined now and then.
    if (this.chunks.length > 64) this.chunks = [Buffer.concat(this.chunks)];
    const frames: { type: string; data: Buffer }[] = [];
    while (this.length >= HEADER) {
      if (this.chunks[0]!.length < HEADER) this.chunks = [Buffer.concat(this.chunks)];
      const size = this.chunks[0]!.readUInt32LE(1);
      if (size > this.maxLength()) throw new Error(`a frame of ${size} bytes is over the limit`);
      if (this.length < HEADER + size) break;
      const whole = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      frames.push({ type: String.fromCharCode(whole[0]!), data: whole.subarray(HEADER, HEADER + size) });
      const rest = whole.subarray(HEADER + size);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.length = rest.length;
    }
    return frames;
  }
}
