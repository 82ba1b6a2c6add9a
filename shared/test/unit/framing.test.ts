// The framers under every connection: LSP Content-Length and NDJSON, fed partial, split,
// oversize and malformed input in memory, the way a socket can deliver it (STYLE rule 5).
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, MAX_MESSAGE_BYTES, type Framing } from '../../src/rpc/framing.js';
import { encodeOutputHeader, parseOutputHeader } from '../../src/rpc/output-frame.js';

interface FrameError {
  reason: 'too-large' | 'bad-header';
  detail: string;
  fatal: boolean;
}

/** A decoder wired to arrays, so each test asserts on what came out in order. */
function decoder(framing?: Framing) {
  const messages: unknown[] = [];
  const errors: FrameError[] = [];
  const events: string[] = [];
  const d = new FrameDecoder(
    {
      message: (json) => {
        messages.push(JSON.parse(json));
        events.push('message');
      },
      error: (reason, detail, fatal) => {
        errors.push({ reason, detail, fatal });
        events.push(`error:${reason}`);
      },
    },
    framing,
  );
  const push = (...chunks: (Buffer | string)[]) => {
    for (const chunk of chunks) d.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  };
  return { d, push, messages, errors, events };
}

const lsp = (json: string) => `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
const req = (id: number, extra: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id, method: 'session.list', params: {}, ...extra });

/** Pushes `bytes` in `size`-byte pieces without copying. */
function pushInChunks(push: (b: Buffer) => void, bytes: Buffer, size: number): void {
  for (let i = 0; i < bytes.length; i += size) push(bytes.subarray(i, i + size));
}

/** Pushes `total` filler bytes in 64 KiB pieces, reusing one buffer. */
function pushFiller(push: (b: Buffer) => void, total: number, byte = 0x61): void {
  const piece = Buffer.alloc(64 * 1024, byte);
  for (let left = total; left > 0; left -= piece.length) push(piece.subarray(0, Math.min(piece.length, left)));
}

describe('LSP framing', () => {
  it('decodes a message split at every byte boundary', () => {
    const wire = Buffer.from(lsp(JSON.stringify(req(1))) + lsp(JSON.stringify(req(2))));
    for (let cut = 1; cut < wire.length; cut++) {
      const t = decoder();
      t.push(wire.subarray(0, cut), wire.subarray(cut));
      expect(t.errors, `cut at ${cut}`).toEqual([]);
      expect(t.messages, `cut at ${cut}`).toEqual([req(1), req(2)]);
    }
  });

  it('decodes a message pushed one byte at a time', () => {
    const wire = Buffer.from(lsp(JSON.stringify(req(7))));
    const t = decoder();
    pushInChunks(t.push, wire, 1);
    expect(t.messages).toEqual([req(7)]);
    expect(t.errors).toEqual([]);
  });

  it('decodes several messages arriving in one chunk', () => {
    const t = decoder();
    t.push([1, 2, 3, 4].map((id) => lsp(JSON.stringify(req(id)))).join(''));
    expect(t.messages).toEqual([req(1), req(2), req(3), req(4)]);
    expect(t.d.detected).toBe('lsp');
  });

  it('decodes a header split across chunks, including inside the CRLFCRLF', () => {
    const json = JSON.stringify(req(3));
    const t = decoder();
    t.push('Content-Le', `ngth: ${Buffer.byteLength(json)}\r`, '\n\r', '\n', json.slice(0, 5), json.slice(5));
    expect(t.messages).toEqual([req(3)]);
    expect(t.errors).toEqual([]);
  });

  it('accepts extra headers such as Content-Type before or after Content-Length', () => {
    const json = JSON.stringify(req(4));
    const n = Buffer.byteLength(json);
    const t = decoder();
    t.push(`Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: ${n}\r\n\r\n${json}`);
    t.push(`Content-Length: ${n}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\nX-Whatever: 1\r\n\r\n${json}`);
    expect(t.messages).toEqual([req(4), req(4)]);
    expect(t.errors).toEqual([]);
  });

  it('reads the header name case-insensitively and tolerates spaces around the value', () => {
    const json = JSON.stringify(req(5));
    const n = Buffer.byteLength(json);
    const t = decoder();
    t.push(`content-length: ${n}\r\n\r\n${json}`, `CONTENT-LENGTH:${n}\r\n\r\n${json}`, `Content-length:   ${n}  \r\n\r\n${json}`);
    expect(t.messages).toEqual([req(5), req(5), req(5)]);
    expect(t.errors).toEqual([]);
  });

  it('fails fatally when Content-Length is missing, and ignores everything after', () => {
    const t = decoder();
    t.push('Content-Type: application/json\r\n\r\n{}');
    expect(t.errors).toEqual([{ reason: 'bad-header', detail: expect.stringMatching(/Content-Length/), fatal: true }]);
    t.push(lsp(JSON.stringify(req(1))));
    expect(t.messages).toEqual([]);
    expect(t.errors).toHaveLength(1);
  });

  it.each(['abc', '-1', '12abc', '', '1.5', '0x10', '12345678901'])('fails fatally on Content-Length %j', (value) => {
    const t = decoder();
    t.push(`Content-Length: ${value}\r\n\r\n{}`);
    expect(t.messages).toEqual([]);
    expect(t.errors).toEqual([{ reason: 'bad-header', detail: expect.any(String), fatal: true }]);
  });

  it('fails fatally on a header line without a colon', () => {
    const t = decoder();
    t.push('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(t.errors).toEqual([{ reason: 'bad-header', detail: expect.stringMatching(/malformed header/), fatal: true }]);
  });

  it('refuses a header block over 8 KiB even when its end arrives in the same chunk', () => {
    const t = decoder();
    t.push(`Content-Length: 2\r\nX-Pad: ${'p'.repeat(9000)}\r\n\r\n{}`);
    expect(t.messages).toEqual([]);
    expect(t.errors).toEqual([{ reason: 'bad-header', detail: expect.stringMatching(/no end within/), fatal: true }]);
  });

  it('waits for a header up to 8 KiB, then fails fatally when it never ends', () => {
    const t = decoder();
    t.push(`Content-Length: 10\r\nX-Pad: ${'p'.repeat(8000)}`);
    expect(t.errors).toEqual([]);
    t.push('p'.repeat(100), 'p'.repeat(200));
    expect(t.errors).toEqual([{ reason: 'bad-header', detail: expect.stringMatching(/no end/), fatal: true }]);
    t.push('\r\n\r\n0123456789');
    expect(t.messages).toEqual([]);
    expect(t.errors).toHaveLength(1);
  });

  it('treats NDJSON-looking input that does not start with "{" as an LSP header', () => {
    const t = decoder();
    t.push(`[${JSON.stringify(req(1))}]\n`);
    expect(t.d.detected).toBe('lsp');
    expect(t.messages).toEqual([]);
    t.push(' '.repeat(9000));
    expect(t.errors).toEqual([expect.objectContaining({ reason: 'bad-header', fatal: true })]);
  });

  it('accepts a body of exactly 16 MiB', () => {
    const pad = MAX_MESSAGE_BYTES - Buffer.byteLength('{"pad":""}');
    const json = `{"pad":"${'x'.repeat(pad)}"}`;
    expect(Buffer.byteLength(json)).toBe(MAX_MESSAGE_BYTES);
    const t = decoder();
    t.push(lsp(json));
    expect(t.errors).toEqual([]);
    expect((t.messages[0] as { pad: string }).pad).toHaveLength(pad);
  });

  it('discards an oversize body arriving in the same chunk and decodes the next message', () => {
    const size = MAX_MESSAGE_BYTES + 1;
    const t = decoder();
    t.push(Buffer.concat([Buffer.from(`Content-Length: ${size}\r\n\r\n`), Buffer.alloc(size, 0x7b), Buffer.from(lsp(JSON.stringify(req(2))))]));
    expect(t.errors).toEqual([{ reason: 'too-large', detail: expect.stringMatching(/16777217/), fatal: false }]);
    expect(t.messages).toEqual([req(2)]);
  });

  it('reports an oversize Content-Length at once, skips a body arriving in many chunks, and decodes the next message', () => {
    const size = 17 * 1024 * 1024;
    const t = decoder();
    t.push(`Content-Length: ${size}\r\n\r\n`);
    expect(t.errors).toEqual([{ reason: 'too-large', detail: expect.any(String), fatal: false }]);
    // Body bytes that look like headers and messages must not be interpreted.
    const decoy = Buffer.from(lsp(JSON.stringify(req(666))));
    t.push(decoy);
    pushFiller(t.push, size - decoy.length - 10);
    const next = Buffer.from(lsp(JSON.stringify(req(3))));
    // The last 10 body bytes and the next message share a chunk, which is split mid-header.
    t.push(Buffer.concat([Buffer.alloc(10, 0x20), next.subarray(0, 7)]), next.subarray(7));
    expect(t.events).toEqual(['error:too-large', 'message']);
    expect(t.messages).toEqual([req(3)]);
  });

  it('reports one too-large error per oversize message and stays usable', () => {
    const t = decoder();
    for (let i = 0; i < 3; i++) {
      t.push(`Content-Length: ${MAX_MESSAGE_BYTES + 100}\r\n\r\n`);
      pushFiller(t.push, MAX_MESSAGE_BYTES + 100);
      t.push(lsp(JSON.stringify(req(i))));
    }
    expect(t.events).toEqual(['error:too-large', 'message', 'error:too-large', 'message', 'error:too-large', 'message']);
    expect(t.messages).toEqual([req(0), req(1), req(2)]);
  });

  it('passes a zero-length body on as an empty message', () => {
    const seen: string[] = [];
    const d = new FrameDecoder({ message: (json) => seen.push(json), error: () => expect.fail('no error expected') });
    d.push(Buffer.from('Content-Length: 0\r\n\r\n'));
    expect(seen).toEqual(['']);
  });
});

describe('NDJSON framing', () => {
  it('is chosen when the first byte is "{", LSP otherwise, and can be fixed by the caller', () => {
    const a = decoder();
    expect(a.d.detected).toBeUndefined();
    a.push(`${JSON.stringify(req(1))}\n`);
    expect(a.d.detected).toBe('ndjson');
    expect(a.messages).toEqual([req(1)]);

    const b = decoder();
    b.push('C');
    expect(b.d.detected).toBe('lsp');

    const c = decoder();
    c.push(Buffer.alloc(0));
    expect(c.d.detected).toBeUndefined();
    c.push(' {}\n');
    expect(c.d.detected).toBe('lsp');

    const fixed = decoder('ndjson');
    fixed.push(`42\n${JSON.stringify(req(2))}\n`);
    expect(fixed.messages).toEqual([42, req(2)]);
  });

  it('decodes several lines in one chunk and a line split at every byte boundary', () => {
    const wire = Buffer.from(`${JSON.stringify(req(1))}\n${JSON.stringify(req(2))}\n`);
    for (let cut = 1; cut < wire.length; cut++) {
      const t = decoder();
      t.push(wire.subarray(0, cut), wire.subarray(cut));
      expect(t.messages, `cut at ${cut}`).toEqual([req(1), req(2)]);
    }
  });

  it('accepts CRLF line endings', () => {
    const t = decoder();
    t.push(`${JSON.stringify(req(1))}\r\n${JSON.stringify(req(2))}\r`, '\n');
    expect(t.messages).toEqual([req(1), req(2)]);
    expect(t.errors).toEqual([]);
  });

  it('ignores blank and whitespace-only lines', () => {
    const t = decoder();
    t.push(`${JSON.stringify(req(1))}\n\n\r\n   \n\t\r\n${JSON.stringify(req(2))}\n\n`);
    expect(t.messages).toEqual([req(1), req(2)]);
    expect(t.errors).toEqual([]);
  });

  it('holds an unterminated line until its newline arrives', () => {
    const t = decoder();
    t.push(JSON.stringify(req(9)));
    expect(t.messages).toEqual([]);
    t.push('\n');
    expect(t.messages).toEqual([req(9)]);
  });

  it('reports one too-large error for a line over 16 MiB arriving in many chunks, then resyncs at the next newline', () => {
    const t = decoder();
    t.push('{"pad":"');
    pushFiller(t.push, MAX_MESSAGE_BYTES + 3 * 64 * 1024);
    expect(t.events).toEqual(['error:too-large']);
    expect(t.errors[0]).toEqual({ reason: 'too-large', detail: expect.any(String), fatal: false });
    pushFiller(t.push, 20 * 64 * 1024);
    t.push(`"}\n${JSON.stringify(req(4))}\n`);
    expect(t.events).toEqual(['error:too-large', 'message']);
    expect(t.messages).toEqual([req(4)]);
  });

  it('reports a line over 16 MiB whose newline arrives in the same chunk as too-large, not as a message', () => {
    const long = `{"pad":"${'a'.repeat(MAX_MESSAGE_BYTES)}"}`;
    const t = decoder();
    t.push(`${long}\n${JSON.stringify(req(5))}\n`);
    expect(t.events).toEqual(['error:too-large', 'message']);
    expect(t.messages).toEqual([req(5)]);

    // The same line, with the chunk that crosses the limit also carrying the newline.
    const u = decoder();
    u.push(long.slice(0, MAX_MESSAGE_BYTES - 10));
    u.push(`${long.slice(MAX_MESSAGE_BYTES - 10)}\n${JSON.stringify(req(6))}\n`);
    expect(u.events).toEqual(['error:too-large', 'message']);
    expect(u.messages).toEqual([req(6)]);
  });

  it('accepts a line of exactly 16 MiB', () => {
    const pad = MAX_MESSAGE_BYTES - Buffer.byteLength('{"pad":""}');
    const t = decoder();
    t.push(`{"pad":"${'b'.repeat(pad)}"}\n`);
    expect(t.errors).toEqual([]);
    expect((t.messages[0] as { pad: string }).pad).toHaveLength(pad);
  });
});

describe('large messages in small chunks', () => {
  // Any local process can connect, so a 16 MiB message in 4 KiB reads must not cost the daemon's
  // event loop seconds (re-concatenating the buffer on every push made this quadratic).
  it.each(['lsp', 'ndjson'] as const)('decodes a 16 MiB %s message pushed in 4 KiB chunks in linear time', (framing) => {
    const json = `{"pad":"${'c'.repeat(MAX_MESSAGE_BYTES - 100)}"}`;
    const wire = encodeFrame(json, framing);
    let seen = 0;
    const d = new FrameDecoder({ message: (m) => (seen += m.length), error: () => expect.fail('no error expected') });
    const started = performance.now();
    pushInChunks((b) => d.push(b), wire, 4096);
    expect(seen).toBe(json.length);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe('UTF-8 split across chunks', () => {
  const text = 'héllo 漢字 🙂 ✓';
  const message = { jsonrpc: '2.0', id: 1, method: 'session.input', params: { session: text } };

  it.each(['lsp', 'ndjson'] as const)('decodes multi-byte characters cut at every byte boundary (%s)', (framing) => {
    const wire = encodeFrame(JSON.stringify(message), framing);
    for (let cut = 1; cut < wire.length; cut++) {
      const t = decoder();
      t.push(wire.subarray(0, cut), wire.subarray(cut));
      expect(t.d.detected).toBe(framing);
      expect(t.messages, `cut at ${cut}`).toEqual([message]);
    }
    const bytewise = decoder();
    pushInChunks(bytewise.push, wire, 1);
    expect(bytewise.messages).toEqual([message]);
  });
});

describe('encodeFrame', () => {
  const value = { jsonrpc: '2.0', id: 'é', result: { text: '漢字🙂\nline two', n: [1, 2, 3] } };
  const json = JSON.stringify(value);

  it('writes an LSP Content-Length that counts bytes, not characters', () => {
    const frame = encodeFrame(json, 'lsp');
    const header = frame.subarray(0, frame.indexOf('\r\n\r\n')).toString('ascii');
    const length = Number(/^Content-Length: (\d+)$/.exec(header)?.[1]);
    expect(length).toBe(Buffer.byteLength(json, 'utf8'));
    expect(length).toBeGreaterThan(json.length);
    expect(frame.length).toBe(header.length + 4 + length);
  });

  it('writes NDJSON as exactly one line', () => {
    const frame = encodeFrame(json, 'ndjson').toString('utf8');
    expect(frame.endsWith('\n')).toBe(true);
    expect(frame.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(frame)).toEqual(value);
  });

  it.each(['lsp', 'ndjson'] as const)('round-trips through the decoder (%s)', (framing) => {
    const t = decoder();
    t.push(Buffer.concat([encodeFrame(json, framing), encodeFrame(JSON.stringify(req(2)), framing)]));
    expect(t.d.detected).toBe(framing);
    expect(t.messages).toEqual([value, req(2)]);
    expect(t.errors).toEqual([]);
  });
});

describe('binary output frames', () => {
  const header = { session: 's-1', seq: 7, stream: 'pty' as const };
  const body = Buffer.from([0x1b, 0x5b, 0x48, 0xff, 0x00, 0x0a, 0xc3, 0xa9]);
  const frame = Buffer.concat([encodeOutputHeader(header, body.length), body]);

  function outputDecoder(withOutput: boolean) {
    const got: { header: unknown; data: Buffer }[] = [];
    const messages: unknown[] = [];
    const errors: FrameError[] = [];
    const d = new FrameDecoder({
      message: (json) => messages.push(JSON.parse(json)),
      error: (reason, detail, fatal) => errors.push({ reason, detail, fatal }),
      ...(withOutput ? { output: (h: unknown, data: Buffer) => got.push({ header: h, data: Buffer.from(data) }) } : {}),
    });
    return { d, got, messages, errors };
  }

  it('decodes the raw bytes between JSON messages, split at every byte boundary', () => {
    const wire = Buffer.concat([Buffer.from(lsp(JSON.stringify(req(1)))), frame, Buffer.from(lsp(JSON.stringify(req(2))))]);
    for (let cut = 1; cut < wire.length; cut++) {
      const t = outputDecoder(true);
      t.d.push(wire.subarray(0, cut));
      t.d.push(wire.subarray(cut));
      expect(t.errors, `cut at ${cut}`).toEqual([]);
      expect(t.messages, `cut at ${cut}`).toEqual([req(1), req(2)]);
      expect(t.got, `cut at ${cut}`).toEqual([{ header, data: body }]);
    }
  });

  it('reads the header back and refuses malformed ones', () => {
    expect(parseOutputHeader('s-1 7 pty')).toEqual(header);
    expect(parseOutputHeader('s-1 x pty')).toBeNull();
    expect(parseOutputHeader('s-1 7 tty')).toBeNull();
  });

  it('is an error, not a message, where nobody asked for output frames (the daemon side)', () => {
    const t = outputDecoder(false);
    t.d.push(Buffer.concat([frame, Buffer.from(lsp(JSON.stringify(req(3))))]));
    expect(t.errors).toEqual([{ reason: 'bad-header', detail: expect.stringContaining('sent by the daemon only'), fatal: false }]);
    expect(t.messages).toEqual([req(3)]);
  });
});
