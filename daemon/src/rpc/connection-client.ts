// One connection as the sessions see it: where a session's notifications and output go. For a
// client whose terminal nonod writes to (directOutput), everything else it is sent waits until
// that terminal has what came before, so what the client writes itself comes after the output
// it follows; the ordering lives here so no sender has to think of it.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { OutputFrameHeader, RpcConnection } from '@nono/shared';
import type { CallContext } from './call-context.js';
import type { SessionClient } from '../sessions/session.js';
import { ClientTerminal } from '../sessions/client-terminal.js';
import { fdOf, loadFdPassing } from '../native/fd-passing.js';

export class ConnectionClient implements SessionClient {
  terminal: ClientTerminal | undefined;
  connection!: RpcConnection<CallContext>;
  /** Sends waiting for the terminal to have what came before them, in order. */
  private readonly queue: (() => void)[] = [];

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly log: Logger,
  ) {
    socket.once('close', () => this.terminal?.close());
  }

  notify(method: string, params: Record<string, unknown>): void {
    this.inOrder(() => this.connection.notify(method, params));
  }

  binaryFrames(): boolean {
    return this.connection.framing === 'lsp';
  }

  sendOutput(header: OutputFrameHeader, data: Buffer): void {
    this.inOrder(() => this.connection.sendOutput(header, data));
  }

  backlog(): number {
    return this.socket.writableLength;
  }

  onceDrained(callback: () => void): void {
    this.socket.once('drain', callback);
  }

  takeTerminal(session: string): boolean {
    if (this.terminal && !this.terminal.closed) return false;
    const passing = loadFdPassing();
    const socketFd = fdOf(this.socket);
    if (!passing || socketFd === undefined) return false;
    let fd: number;
    try {
      fd = passing.openPeerTerminal(socketFd);
    } catch (error) {
      // Not a pty on its stdout, another namespace's /proc, a client gone: its output is sent, as to any client.
      this.log.debug({ code: (error as NodeJS.ErrnoException).code }, 'client terminal not opened');
      return false;
    }
    this.terminal = ClientTerminal.wrap(fd, session, this.log);
    return true;
  }

  endDirectOutput(session: string): void {
    if (this.terminal?.session === session) this.terminal.retire();
  }

  whenWritten(): Promise<void> {
    return new Promise((resolve) => this.inOrder(resolve));
  }

  private inOrder(send: () => void): void {
    if (this.queue.length > 0) {
      this.queue.push(send);
      return;
    }
    const { terminal } = this;
    if (!terminal || terminal.written()) {
      send();
      return;
    }
    this.queue.push(send);
    terminal.afterWritten(() => {
      for (const queued of this.queue.splice(0)) queued();
    });
  }
}
