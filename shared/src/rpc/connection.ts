// One JSON-RPC peer over one byte stream: framing below, json-rpc-2.0 above. Both the daemon
// (serving requests, sending notifications) and the client (sending requests, receiving
// notifications) use it, so the two sides cannot disagree on the wire.
import type { Duplex } from 'node:stream';
import {
  JSONRPCClient,
  JSONRPCServer,
  JSONRPCServerAndClient,
  createJSONRPCErrorResponse,
  type JSONRPCParams,
} from 'json-rpc-2.0';
import { encodeFrame, FrameDecoder, type Framing } from './framing.js';
import { FairInbox, type InboxLimits } from './fair-inbox.js';
import { encodeOutputHeader, type OutputFrameHeader } from './output-frame.js';
import { ERROR_KINDS, NonoError, isErrorKind, type ErrorKind } from '../protocol/errors.js';
import { serializeMessage } from './raw-json.js';

export interface ConnectionOptions {
  /** Fixed framing for a connection we open; the daemon leaves it unset to auto-detect. */
  framing?: Framing;
  /** Bytes queued for a peer that does not read before it is dropped. */
  maxQueuedBytes?: number;
  /** How many of the peer's messages are handled per turn of the event loop and at once. */
  inboxLimits?: InboxLimits;
  /**
   * The most calls one batch may hold right now; a larger batch gets one BATCH_REFUSED error and
   * none of its calls run. Unset: no limit (our own side of a connection we opened).
   */
  maxBatch?: () => number;
  /** A framing problem the connection survives. */
  onProtocolError?: (detail: string) => void;
  /** This side gave up on the peer and closed the connection (bad framing, not reading). */
  onDrop?: (reason: string) => void;
  /** Binary session.output frames (output-frame.ts); only a client that asked for them gets them. */
  onOutput?: (header: OutputFrameHeader, data: Buffer) => void;
}

const DEFAULT_MAX_QUEUED = 64 * 1024 * 1024;
const SMALL_OUTPUT_BYTES = 16 * 1024;

export class RpcConnection<Ctx = void> {
  readonly server: JSONRPCServer<Ctx>;
  private readonly peer: JSONRPCServerAndClient<Ctx, void>;
  private readonly decoder: FrameDecoder;
  private readonly inbox: FairInbox;
  private closedReason: string | undefined;

  constructor(
    private readonly stream: Duplex,
    ctx: Ctx,
    private readonly options: ConnectionOptions = {},
    server: JSONRPCServer<Ctx> = new JSONRPCServer<Ctx>({ errorListener: () => undefined }),
  ) {
    this.server = server;
    const client = new JSONRPCClient<void>((payload) => this.write(serializeMessage(payload)));
    this.peer = new JSONRPCServerAndClient(server, client, { errorListener: () => undefined });
    this.decoder = new FrameDecoder(
      {
        message: (json) => this.inbox.push(json),
        ...(options.onOutput ? { output: options.onOutput } : {}),
        error: (reason, detail, fatal) => {
          const kind: ErrorKind = reason === 'too-large' ? 'FRAME_TOO_LARGE' : 'PARSE_ERROR';
          this.sendError(kind, `Bad frame: ${detail}. ${fatal ? 'Closing the connection' : 'The connection stays open'}.`);
          if (!fatal) options.onProtocolError?.(detail);
          else this.drop(`bad framing: ${detail}`, () => this.close('bad framing'));
        },
      },
      options.framing,
    );
    this.inbox = new FairInbox(stream, (json) => this.receive(json, ctx), options.inboxLimits);
    stream.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    // A peer may send its requests and then shut its sending side (`printf … | socat`): it is
    // owed the replies, so the connection closes only once everything it sent is answered.
    stream.on('end', () => this.inbox.whenIdle(() => this.close('peer finished sending')));
    stream.on('close', () => {
      this.closedReason ??= 'peer closed';
      this.inbox.close();
      this.peer.rejectAllPendingRequests(`connection closed: ${this.closedReason}`);
    });
    stream.on('error', () => undefined);
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  request(method: string, params: JSONRPCParams): Promise<unknown> {
    return Promise.resolve(this.peer.request(method, params)).catch((error: unknown) => {
      throw toNonoError(error);
    });
  }

  /** Written at once: json-rpc-2.0's notify wraps the same write in an async call and a promise per message, once per key and per output chunk. */
  notify(method: string, params: JSONRPCParams): void {
    this.write(JSON.stringify({ jsonrpc: '2.0', method, params }));
  }

  /** The framing in use: fixed, or detected from the peer's first byte (undefined before it). */
  get framing(): Framing | undefined {
    return this.decoder.detected ?? this.options.framing;
  }

  /** session.output as a binary frame; the caller checks that the peer asked for it and frames with LSP. */
  sendOutput(header: OutputFrameHeader, data: Buffer): void {
    if (!this.writable()) return;
    const head = encodeOutputHeader(header, data.length);
    // An echo or a prompt is a few bytes: copying it beside its header is cheaper than a stream
    // writev (cork, a chunk list, uncork); a burst is not worth copying.
    if (data.length <= SMALL_OUTPUT_BYTES) {
      this.stream.write(Buffer.concat([head, data], head.length + data.length));
      return;
    }
    this.stream.cork();
    this.stream.write(head);
    this.stream.write(data);
    this.stream.uncork();
  }

  /** Bytes written to the peer that it has not read yet. */
  get queuedBytes(): number {
    return this.stream.writableLength;
  }

  close(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.stream.end();
    // A peer that never closes its side must not hold the descriptor open forever.
    setTimeout(() => this.stream.destroy(), 1000).unref();
  }

  private async receive(json: string, ctx: Ctx): Promise<void> {
    const maxBatch = this.options.maxBatch?.();
    // Threat: a batch is one message, and json-rpc-2.0 runs all its calls and serialises all
    // their replies in one turn; 16 MiB of failing auth.hello calls held the event loop for
    // ~27 s. A refused batch is known from its first byte, so it is not even parsed.
    if (maxBatch === 0 && json.trimStart().startsWith('[')) return this.refuseBatch(0);
    let payload: unknown;
    try {
      payload = JSON.parse(json);
    } catch {
      this.sendError('PARSE_ERROR', 'Message is not valid JSON; send one JSON-RPC 2.0 object per frame.');
      return;
    }
    if (Array.isArray(payload) && payload.length === 0) return this.sendError('INVALID_REQUEST', 'An empty batch is not a request; send at least one JSON-RPC 2.0 object.');
    if (Array.isArray(payload) && maxBatch !== undefined && payload.length > maxBatch) return this.refuseBatch(maxBatch, payload.length);
    await this.peer.receiveAndSend(payload, ctx, undefined).catch(() => {
      this.sendError('INVALID_REQUEST', 'Message is not a JSON-RPC 2.0 request or response; check "jsonrpc", "method" and "id".');
    });
  }

  private refuseBatch(limit: number, size?: number): void {
    const message =
      limit === 0
        ? 'Batch refused: batches are accepted only after auth.hello succeeded; send auth.hello alone first. None of its calls ran.'
        : `Batch refused: it holds ${size} calls, more than the limit of ${limit}; split it. None of its calls ran.`;
    this.sendError('BATCH_REFUSED', message, { limit, ...(size === undefined ? {} : { size }) });
  }

  /** Reports why the peer is being given up on, once, then ends the connection. */
  private drop(reason: string, end: () => void): void {
    if (this.closedReason !== undefined) return;
    this.options.onDrop?.(reason);
    end();
  }

  private sendError(kind: ErrorKind, message: string, details: Record<string, unknown> = {}): void {
    this.write(JSON.stringify(createJSONRPCErrorResponse(null, ERROR_KINDS[kind].code, message, { ...details, kind })));
  }

  private write(json: string): void {
    if (this.writable()) this.stream.write(encodeFrame(json, this.framing ?? 'lsp'));
  }

  /** Whether another frame may be queued for the peer; one that does not read is dropped. */
  private writable(): boolean {
    if (this.closedReason !== undefined || this.stream.destroyed) return false;
    const limit = this.options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED;
    if (this.stream.writableLength > limit) {
      // Threat: a peer that never reads would otherwise make us hold everything sent to it.
      this.drop(`peer is not reading: ${this.stream.writableLength} bytes queued for it (limit ${limit})`, () => {
        this.closedReason = 'peer not reading';
        this.stream.destroy();
      });
      return false;
    }
    return true;
  }
}

/** Turns a JSON-RPC error (from json-rpc-2.0's client) back into a NonoError with its kind. */
export function toNonoError(error: unknown): NonoError {
  if (error instanceof NonoError) return error;
  const e = error as { message?: unknown; code?: unknown; data?: unknown };
  const data = (e.data ?? {}) as Record<string, unknown>;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const kind = isErrorKind(data.kind) ? data.kind : 'INTERNAL';
  return new NonoError(kind, message, data);
}
