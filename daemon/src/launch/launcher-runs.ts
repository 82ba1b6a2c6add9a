// run.sock in the runtime dir: where the `nono` launcher (native-helper/launcher/nono.c) hands
// nonod a `nono run` itself, so a short command starts no Node process at all (each warm
// client's replacement is a Node start, about 40 ms of CPU; see bench/README.md). The launcher
// tries here first; what nonod does not serve (launcher-run.ts says which) it declines before
// anything runs, and the launcher goes on to a warm client as before. Listened on from the
// command line's first connection, as the warm clients are.
// Threat: a sandbox on Landlock alone can connect here (pathname sockets are not mediated), so
// nothing is read past the first frame, and nothing of it is acted on, until that frame proves it
// knows the daemon's secret (auth.hello through the dispatcher, recorded there when it fails);
// that frame is bounded in size and in time.
import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { JSONRPCServer } from 'json-rpc-2.0';
import type { CallContext, DaemonServices } from '../rpc/call-context.js';
import { FRAME, frame, FrameReader } from './run-frames.js';

/** A command line and environment are at most ARG_MAX (2 MiB here) for exec too (launch-wire.h's limit). */
const MAX_REQUEST = 4 << 20;
/** After the request, what the launcher sends is its stdin in frames of this much at most. */
const MAX_INPUT_FRAME = 1 << 20;
/** How long the request may take to arrive (launch-wire.h's LAUNCH_TIMEOUT_MS). */
const REQUEST_TIMEOUT_MS = 2000;
/** Connections whose request is not in yet, at most: each may hold MAX_REQUEST until its deadline. */
const MAX_WAITING = 8;

export class LauncherRuns {
  private server: Server | undefined;
  private boundInode: number | undefined;
  private readonly sockets = new Set<Socket>();
  /** Connections still sending their request. */
  private waiting = 0;
  readonly socketPath: string;

  constructor(
    private readonly services: () => DaemonServices,
    private readonly dispatcher: JSONRPCServer<CallContext>,
    private readonly enabled = true,
  ) {
    this.socketPath = join(services().paths.runtimeDir, 'run.sock');
  }

  /** The command line connected: listen, or listen again if run.sock went (with the runtime dir, say). */
  wanted(): void {
    if (!this.enabled) return;
    // Still binding (each launcher run's own auth.hello calls this too), or bound and still there.
    if (this.server !== undefined && (this.boundInode === undefined || lstatSync(this.socketPath, { throwIfNoEntry: false })?.ino === this.boundInode)) return;
    this.server?.close();
    this.server = undefined;
    this.boundInode = undefined;
    try {
      unlinkSync(this.socketPath);
    } catch {
      // None left from an earlier daemon: the common case. The daemon lock says no live one owns it.
    }
    const server = createServer({ allowHalfOpen: false }, (socket) => this.accept(socket));
    this.server = server;
    server.on('error', (error) => {
      // The launcher then uses a warm client, as without run.sock; tried again on the next connection.
      this.services().log.warn({ error: String(error) }, 'cannot listen on run.sock');
      if (this.server === server) this.server = undefined;
    });
    server.listen(this.socketPath, () => {
      chmodSync(this.socketPath, 0o600);
      this.boundInode = lstatSync(this.socketPath).ino;
    });
  }

  close(): void {
    this.server?.close();
    for (const socket of this.sockets) socket.destroy();
    if (this.boundInode !== undefined && lstatSync(this.socketPath, { throwIfNoEntry: false })?.ino === this.boundInode) unlinkSync(this.socketPath);
  }

  private accept(socket: Socket): void {
    const services = this.services();
    const log = services.log.child({ launcher: true });
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    // Turned away in words, then hung up on: a launcher told nothing runs, or whose request could
    // not be sent whole, takes a warm client. Nothing of it is read or kept.
    if (this.waiting >= MAX_WAITING) {
      socket.end(frame(FRAME.notRun), () => socket.destroy());
      return;
    }
    this.waiting++;
    let counted = true;
    const settled = (): void => {
      if (counted) this.waiting--;
      counted = false;
    };
    socket.once('close', settled);
    // A deadline from the accept, not an idle timeout: a byte now and then must not hold a slot.
    const deadline = setTimeout(() => socket.destroy(), REQUEST_TIMEOUT_MS);
    deadline.unref();
    socket.once('close', () => clearTimeout(deadline));
    let requested = false;
    const reader = new FrameReader(() => (requested ? MAX_INPUT_FRAME : MAX_REQUEST));
    const first = (chunk: Buffer): void => {
      let frames;
      try {
        frames = reader.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      if (frames.length === 0) return;
      // The launcher sends nothing more until told the run started; anything more is not read until then.
      socket.off('data', first);
      socket.pause();
      clearTimeout(deadline);
      settled();
      const request = frames[0]!;
      if (request.type !== FRAME.request || frames.length > 1) {
        socket.destroy();
        return;
      }
      requested = true;
      import('./launcher-run.js').then(
        ({ serveLauncherRun }) => serveLauncherRun({ socket, request: request.data, reader, services, dispatcher: this.dispatcher, log }),
        (error: unknown) => {
          // Its code could not be read (a damaged install): the launcher takes a warm client.
          log.warn({ error: String(error) }, 'cannot load the launcher run code');
          socket.end(frame(FRAME.notRun), () => socket.destroy());
        },
      );
    };
    socket.on('data', first);
  }
}
