// session.output as a binary frame, for a client that asks for it when it attaches (the CLI and
// the TypeScript library): the session's bytes follow an LSP-style header block as they are,
// instead of base64 inside a JSON notification, which costs a third more bytes and a JSON pass
// over every chunk on both sides. Editors and stock JSON-RPC clients never ask and keep JSON.
//
//   Nono-Output: <session> <seq> <stream>\r\n
//   Content-Length: <bytes>\r\n
//   \r\n
//   <bytes>
import type { OutputStream } from '../protocol/schemas.js';

/** The header that marks a frame as session output rather than a JSON-RPC message (lower case, as parsed). */
export const OUTPUT_HEADER = 'nono-output';

export interface OutputFrameHeader {
  session: string;
  seq: number;
  stream: OutputStream;
}

export function encodeOutputHeader(header: OutputFrameHeader, length: number): Buffer {
  return Buffer.from(`Nono-Output: ${header.session} ${header.seq} ${header.stream}\r\nContent-Length: ${length}\r\n\r\n`, 'ascii');
}

/** The header's value read back, or null when it is not one the daemon writes. */
export function parseOutputHeader(value: string): OutputFrameHeader | null {
  const match = /^(\S+) (\d{1,15}) (pty|stdout|stderr)$/.exec(value);
  return match ? { session: match[1]!, seq: Number(match[2]), stream: match[3] as OutputStream } : null;
}
