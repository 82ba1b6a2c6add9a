// Spliced tunnels: for a plain CONNECT the proxy has allowed and connected, the upstream socket
// is handed (SCM_RIGHTS) to the helper's relay inside the sandbox, which then joins it to the
// client in C; the bytes never cross Node. The decision and its record stay with the proxy, and
// so does the end: the relay's connection stays open as the control, and closing it (nono stop)
// closes the tunnel. The wire format is the relay's (native-helper/src/relay-loop.c).
import type { Socket } from 'node:net';
import { fdOf, fdPassingFailure, loadFdPassing } from '../native/fd-passing.js';

const OFFER_MAGIC = 'NONO-FD1';
const OFFER_HEADER = 20;

/** Why tunnels cannot be spliced here (the module did not load), for a log line; undefined when they can. */
export function spliceUnavailable(): string | undefined {
  return fdPassingFailure();
}

function offer(consumed: number, reply: string): Buffer {
  const message = Buffer.alloc(OFFER_HEADER + Buffer.byteLength(reply));
  message.write(OFFER_MAGIC, 0, 'latin1');
  message.writeBigUInt64LE(BigInt(consumed), 8);
  message.writeUInt32LE(Buffer.byteLength(reply), 16);
  message.write(reply, OFFER_HEADER);
  return message;
}

/**
 * Whether client was connected by the sandbox's relay (fd-passing.c says how that is known).
 * Threat: the proxy's socket is in the view, so the command can connect to it and send a CONNECT
 * as the relay does; handed the upstream socket (one of the host's network namespace), it could
 * disconnect it (connect AF_UNSPEC) and connect it anywhere, or listen on it, past the proxy.
 */
export function connectedByRelay(client: Socket): boolean {
  const passing = loadFdPassing();
  const clientFd = fdOf(client);
  return passing !== null && clientFd !== undefined && passing.isRelay(clientFd);
}

/**
 * Offers the connected upstream to the relay at the other end of client. False when the tunnel
 * cannot be offered (nothing may be left half-read on either side, and the offer must be the
 * connection's first answer, which is when the relay reads one); the caller then pipes it.
 * When the relay declines (client bytes were already on their way here), `pipe` is called with
 * those bytes put back, as if no offer had been made.
 *
 * Only for a client that connectedByRelay: anything else in the sandbox that connects to the
 * proxy's socket must never be handed a socket of the host's network namespace.
 */
export function offerToRelay(client: Socket, upstream: Socket, head: Buffer, reply: string, pipe: () => void): boolean {
  const passing = loadFdPassing();
  const clientFd = fdOf(client);
  const upstreamFd = fdOf(upstream);
  if (!passing || clientFd === undefined || upstreamFd === undefined) return false;
  if (head.length > 0 || client.readableLength > 0 || client.bytesWritten > 0 || !client.readable || upstream.readableLength > 0) return false;
  try {
    passing.sendFd(clientFd, upstreamFd, offer(client.bytesRead, reply));
  } catch {
    return false;
  }
  const declined = (chunk: Buffer): void => {
    client.off('data', declined);
    client.off('end', ended);
    client.pause();
    client.unshift(chunk);
    pipe();
  };
  // The relay closing its control connection is the tunnel's end; the upstream copy here goes too.
  const ended = (): void => {
    client.destroy();
  };
  client.on('data', declined);
  client.once('end', ended);
  client.once('close', () => upstream.destroy());
  return true;
}
