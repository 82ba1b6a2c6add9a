// Splits a byte stream into JSON-RPC messages. LSP base-protocol framing by default (so stock
// vscode-jsonrpc and Neovim clients work), newline-delimited JSON when the first byte is "{"
// (socat, scripts); on LSP framing, also the daemon's binary session.output frames. Pure and
// push-driven so partial, split and malformed input is unit-testable. Hand-written:
// vscode-jsonrpc's reader does not do NDJSON or the auto-detection, and pulling it into the
// daemon for half a job costs more than these lines.
import { OUTPUT_HEADER, parseOutputHeader, type OutputFrameHeader } from './output-frame.js';

export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const MAX_HEADER_BYTES = 8 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');

export type Framing = 'lsp' | 'ndjson';

export interface FrameSink {
  message(json: string): void;
  /** A binary session.output frame (output-frame.ts); without this, such a frame is an error. */
  output?(header: OutputFrameHeader, data: Buffer): void;
  /** A framing problem. fatal=true means the stream cannot be resynchronised. */
  error(reason: 'too-large' | 'bad-header', detail: string, fatal: boolean): void;
}

export class FrameDecoder {
  private framing: Framing | undefined;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private bodyLength = -1;
  /** The Nono-Output header of the frame whose body is awaited. */
  private outputHeader: string | undefined;
  private skipBytes = 0;
  private discardingLine = false;
  private dead = false;

  constructor(private readonly sink: FrameSink, framing?: Framing) {
    this.framing = framing;
  }

  get detected(): Framing | undefined {
    return this.framing;
  }

  push(chunk: Buffer): void {
    if (this.dead || chunk.length === 0) return;
    if (this.framing === undefined) this.framing = chunk[0] === 0x7b ? 'ndjson' : 'lsp';
    if (this.skipBytes > 0) {
      const skipped = Math.min(this.skipBytes, chunk.length);
      this.skipBytes -= skipped;
      chunk = chunk.subarray(skipped);
      if (chunk.length === 0) return;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    // Until a frame can be complete, only queue the chunk: concatenating on every push is quadratic.
    if (!this.frameMayBeComplete(chunk)) return;
    if (this.framing === 'ndjson') this.drainLines();
    else this.drainLsp();
  }

  private frameMayBeComplete(latest: Buffer): boolean {
    if (this.framing === 'ndjson') return latest.includes(0x0a) || this.buffered > MAX_MESSAGE_BYTES;
    return this.bodyLength < 0 || this.buffered >= this.bodyLength;
  }

  private take(): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    return all;
  }

  private keep(rest: Buffer): void {
    if (rest.length > 0) {
      this.chunks = [rest];
      this.buffered = rest.length;
    }
  }

  private drainLines(): void {
    let data = this.take();
    for (;;) {
      const nl = data.indexOf(0x0a);
      if (nl < 0) break;
      const line = data.subarray(0, nl);
      data = data.subarray(nl + 1);
      if (this.discardingLine) {
        this.discardingLine = false;
        continue;
      }
      if (line.length > MAX_MESSAGE_BYTES) { this.sink.error('too-large', `line longer than ${MAX_MESSAGE_BYTES} bytes discarded`, false); continue; }
      const text = line.toString('utf8').trim();
      if (text.length > 0) this.sink.message(text);
    }
    if (data.length > MAX_MESSAGE_BYTES) {
      if (!this.discardingLine) {
        this.sink.error('too-large', `line longer than ${MAX_MESSAGE_BYTES} bytes discarded`, false);
      }
      this.discardingLine = true;
      data = Buffer.alloc(0);
    }
    this.keep(data);
  }

  private drainLsp(): void {
    let data = this.take();
    while (!this.dead) {
      if (this.bodyLength < 0) {
        const end = data.indexOf(HEADER_END);
        if (end < 0 || end > MAX_HEADER_BYTES) {
          if (data.length > MAX_HEADER_BYTES) this.fatal(`header section has no end within ${MAX_HEADER_BYTES} bytes`);
          break;
        }
        const headers = parseHeaders(data.subarray(0, end).toString('ascii'));
        data = data.subarray(end + HEADER_END.length);
        if (typeof headers === 'string') {
          this.fatal(headers);
          break;
        }
        const { length } = headers;
        this.outputHeader = headers.output;
        if (length > MAX_MESSAGE_BYTES) {
          this.sink.error('too-large', `Content-Length ${length} exceeds ${MAX_MESSAGE_BYTES} bytes; message discarded`, false);
          const skipped = Math.min(length, data.length);
          this.skipBytes = length - skipped;
          data = data.subarray(skipped);
          continue;
        }
        this.bodyLength = length;
      }
      if (data.length < this.bodyLength) break;
      const body = data.subarray(0, this.bodyLength);
      data = data.subarray(this.bodyLength);
      this.bodyLength = -1;
      if (this.outputHeader === undefined) this.sink.message(body.toString('utf8'));
      else this.deliverOutput(this.outputHeader, body);
    }
    if (!this.dead) this.keep(data);
  }

  private deliverOutput(value: string, body: Buffer): void {
    const header = parseOutputHeader(value);
    if (header && this.sink.output) this.sink.output(header, body);
    else this.sink.error('bad-header', header ? 'binary output frames are sent by the daemon only; frame discarded' : `malformed Nono-Output header ${JSON.stringify(value.slice(0, 80))}; frame discarded`, false);
  }

  private fatal(detail: string): void {
    this.dead = true;
    this.chunks = [];
    this.buffered = 0;
    this.sink.error('bad-header', detail, true);
  }
}

/** The Content-Length (and Nono-Output) of an LSP header block, or a string saying what is wrong with it. */
function parseHeaders(headers: string): { length: number; output?: string } | string {
  let length: number | undefined;
  let output: string | undefined;
  for (const line of headers.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) return `malformed header line ${JSON.stringify(line.slice(0, 80))}`;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') {
      if (!/^\d{1,10}$/.test(value)) return `Content-Length ${JSON.stringify(value.slice(0, 20))} is not a number`;
      length = Number(value);
    } else if (name === OUTPUT_HEADER) {
      output = value;
    }
  }
  if (length === undefined) return 'Content-Length header missing';
  return output === undefined ? { length } : { length, output };
}

export function encodeFrame(json: string, framing: Framing): Buffer {
  if (framing === 'ndjson') return Buffer.from(`${json}\n`, 'utf8');
  const body = Buffer.from(json, 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}
