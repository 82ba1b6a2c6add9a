// The daemon's Node-API module for what Node cannot do with the process at the other end of a
// unix socket (native-helper/addon/fd-passing.c): hand it an fd, tell the sandbox's relay from
// anyone else, open a client's terminal. Built beside nono-helper by `npm run build`; without it
// tunnels are piped through nonod and session output is sent to every client.
import type { Socket } from 'node:net';
import { loadNativeModule, nativeModuleFailure } from './native-module.js';

/** A new non-blocking open of a pty slave the peer has as its stdin (read) or stdout (write). */
export interface PeerTerminal {
  fd: number;
  /** The peer, in our pid namespace. */
  pid: number;
  /** The terminal's device number: stdin and stdout on the same terminal have the same. */
  device: number;
}

export interface FdPassing {
  sendFd(socketFd: number, fd: number, message: Buffer): void;
  isRelay(socketFd: number): boolean;
  openPeerTerminal(socketFd: number, stdioFd: 0 | 1): PeerTerminal;
  /** Turns the terminal's output processing (OPOST) off (raw) or on; says whether it changed. */
  rawOutput(fd: number, raw: boolean): boolean;
}

export function loadFdPassing(): FdPassing | null {
  return loadNativeModule<FdPassing>('fd-passing.node');
}

/** Why the module did not load, for a log line; undefined when it did. */
export function fdPassingFailure(): string | undefined {
  return nativeModuleFailure('fd-passing.node');
}

/** A connected socket's fd: Node keeps it on the handle, with no public accessor. */
export function fdOf(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}
