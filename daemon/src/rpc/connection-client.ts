// One connection as the sessions see it: where a session's notifications and output go. For a
// client whose terminal nonod writes to (directOutput), everything else it is sent waits until
// that terminal has what came before, so what the client writes itself comes after the output
// it follows; the ordering lives here so no sender has to think of it.
import { closeSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { OutputFrameHeader, RpcConnection } from '@nono/shared';
import type { CallContext } from './call-context.js';
import type { SessionClient } from '../sessions/session.js';
import { ClientTerminal } from '../sessions/client-terminal.js';
import { fdOf, loadFdPassing, type PeerTerminal } from '../native/fd-passing.js';

let lastClientId = 0;

/** Numbers every client nonod has, on the control socket or run.sock (launch/launcher-runs.ts): the audit log names them so. */
export function newClientId(): number {
  return ++lastClientId;
}

export class ConnectionClient implements SessionClient {
  terminal: ClientTerminal | undefined;
  connection!: RpcConnection<CallContext>;
  /** Sends waiting for the terminal to have what came before them, in order. */
  private readonly queue: (() => void)[] = [];
  private queuedBytes = 0;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly log: Logger,
    /** The process whose job must hold the terminal for nonod to read a client's keys: the launcher a warm client serves, or the client. */
    private readonly jobOf: (clientPid: number) => number,
  ) {
    socket.once('close', () => this.terminal?.close());
  }

  notify(method: string, params: Record<string, unknown>): void {
    // session.output of its own session after the terminal was handed back carries bytes in data.
    this.sendAbout(params.session, typeof params.data === 'string' ? params.data.length : 0, () => this.connection.notify(method, params));
  }

  binaryFrames(): boolean {
    return this.connection.framing === 'lsp';
  }

  sendOutput(header: OutputFrameHeader, data: Buffer): void {
    this.sendAbout(header.session, data.length, () => this.connection.sendOutput(header, data));
  }

  /**
   * Sends now, or behind the terminal's bytes when it concerns the terminal's session. What waits
   * is counted in backlog(), so a client whose terminal stalls is skipped and redrawn, not queued
   * for without end.
   */
  private sendAbout(session: unknown, bytes: number, send: () => void): void {
    if (!this.waitingForTerminal(session)) {
      send();
      return;
    }
    this.queuedBytes += bytes;
    this.inOrder(() => {
      this.queuedBytes -= bytes;
      send();
    });
  }

  backlog(): number {
    return this.socket.writableLength + this.queuedBytes;
  }

  onceDrained(callback: () => void): void {
    this.socket.once('drain', callback);
  }

  takeTerminal(session: string, onKeys?: (data: Buffer) => void): { output: boolean; input: boolean } {
    const none = { output: false, input: false };
    if (this.terminal && !this.terminal.closed) return none;
    const passing = loadFdPassing();
    const socketFd = fdOf(this.socket);
    if (!passing || socketFd === undefined) return none;
    const open = (stdio: 0 | 1): PeerTerminal | undefined => {
      try {
        return passing.openPeerTerminal(socketFd, stdio);
      } catch (error) {
        // Not a pty, another namespace's /proc, someone else's terminal, a client gone: it is sent the output, and reads its keys, as any client.
        this.log.debug({ code: (error as NodeJS.ErrnoException).code, stdio }, 'client terminal not opened');
        return undefined;
      }
    };
    const output = open(1);
    if (!output) return none;
    const terminal = ClientTerminal.wrap(output.fd, output.device, session, this.jobOf(output.pid), this.log);
    if (!terminal) return none;
    this.terminal = terminal;
    const input = onKeys ? open(0) : undefined;
    if (!input) return { output: true, input: false };
    if (input.device !== output.device || input.pid !== output.pid) {
      closeSync(input.fd);
      return { output: true, input: false };
    }
    return { output: true, input: terminal.readKeys(input.fd, onKeys!) };
  }

  endDirectOutput(session: string, leaving = false): void {
    if (this.terminal?.session === session) this.terminal.retire(leaving);
  }

  whenWritten(): Promise<void> {
    return new Promise((resolve) => this.inOrder(resolve));
  }

  /**
   * Whether a send now would overtake bytes still on their way to the terminal. Only what
   * concerns the terminal's session (or no session) is ordered behind them: another session's
   * traffic was never shown there, and held back it would pile up for as long as the terminal
   * stalls (a client that never says ready, or is stopped).
   */
  private waitingForTerminal(session?: unknown): boolean {
    if (this.terminal === undefined || (typeof session === 'string' && session !== this.terminal.session)) return false;
    return this.queue.length > 0 || !this.terminal.written();
  }

  private inOrder(send: () => void): void {
    if (!this.waitingForTerminal()) {
      send();
      return;
    }
    this.queue.push(send);
    if (this.queue.length === 1) {
      this.terminal!.afterWritten(() => {
        for (const queued of this.queue.splice(0)) queued();
      });
    }
  }
}
