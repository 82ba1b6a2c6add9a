// The control socket: accepts connections, gives each a context and an RpcConnection.
// Threat: anyone who can connect() reaches this code, including a sandboxed agent (Landlock
// does not mediate pathname-socket connect), so nothing but auth.hello runs before the
// connection proves it can read the daemon secret, and no client input can throw past here.
// No client can make it hold unbounded memory either: one that does not read what it is sent
// is dropped (logged as "dropping client" with the reason), and a flood is read no faster than
// it is handled (RpcConnection), so other clients keep their turn. A batch is one message, so it
// is refused before auth.hello and capped after (MAX_BATCH).
import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { restoreRuntimeFiles } from '../runtime-files.js';
import type { JSONRPCServer } from 'json-rpc-2.0';
import { RpcConnection } from '@nono/shared';
import type { CallContext, DaemonServices } from './call-context.js';
import { ConnectionClient, newClientId } from './connection-client.js';
import { boundPath } from './socket-activation.js';

/** How often the daemon checks that its socket is still at its path. */
const SOCKET_CHECK_MS = 500;

/**
 * Calls one batch may hold once authenticated; before, none (a batch is refused whole). A batch
 * runs in one turn of the event loop, so this bounds how long one message can keep others waiting.
 */
export const MAX_BATCH = 100;

export class ControlServer {
  /** Listening servers: the first, and one more each time the socket had to be bound again. */
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private watch: NodeJS.Timeout | undefined;
  private boundInode: number | undefined;

  constructor(
    private readonly services: DaemonServices,
    private readonly dispatcher: JSONRPCServer<CallContext>,
  ) {}

  private newServer(): Server {
    const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    this.servers.push(server);
    return server;
  }

  listen(path: string): Promise<void> {
    try {
      unlinkSync(path);
    } catch {
      // No stale socket: the common case. The caller holds the daemon lock, so no live daemon owns it.
    }
    const server = this.newServer();
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        chmodSync(path, 0o600);
        this.boundInode = lstatSync(path).ino;
        this.watchSocketPath(path);
        resolve();
      });
    });
  }

  /**
   * Someone removed or replaced the socket file (a cleanup script, `rm -rf $XDG_RUNTIME_DIR`):
   * without it no client can reach the sessions this daemon still runs, so it binds the path
   * again. Polled rather than watched with inotify: the runtime dir itself may be the thing removed.
   */
  private watchSocketPath(path: string): void {
    if (this.watch) return;
    this.watch = setInterval(() => {
      let inode: number | undefined;
      try {
        const stats = lstatSync(path);
        inode = stats.isSocket() ? stats.ino : undefined;
      } catch {
        inode = undefined;
      }
      if (inode !== undefined && inode === this.boundInode) return;
      this.services.log.warn({ socket: path }, 'control socket was removed or replaced; binding it again');
      try {
        restoreRuntimeFiles(this.services.paths, this.services.secret);
      } catch (error) {
        this.services.log.error({ error: String(error) }, 'cannot restore the runtime dir');
        clearInterval(this.watch);
        return;
      }
      this.listen(path).catch((error: unknown) => this.services.log.error({ socket: path, error: String(error) }, 'cannot bind the control socket again'));
    }, SOCKET_CHECK_MS);
    this.watch.unref();
  }

  /** Serves on a socket systemd already listens on (socket activation), if it is ours. */
  listenOnFd(fd: number, expectedPath: string): Promise<void> {
    const address = boundPath(fd);
    if (address !== expectedPath) {
      return Promise.reject(
        new Error(`systemd passed a socket bound to ${address ?? 'no path'}, but clients look for ${expectedPath}; fix ListenStream in nono.socket`),
      );
    }
    const server = this.newServer();
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ fd }, () => {
        this.boundInode = lstatSync(expectedPath, { throwIfNoEntry: false })?.ino;
        this.watchSocketPath(expectedPath);
        resolve();
      });
    });
  }

  /** Whether the socket file at path is still the one this daemon bound (not a successor's). */
  ownsSocketFile(path: string): boolean {
    return this.boundInode !== undefined && lstatSync(path, { throwIfNoEntry: false })?.ino === this.boundInode;
  }

  close(): void {
    clearInterval(this.watch);
    for (const server of this.servers) server.close();
    for (const socket of this.sockets) socket.destroy();
  }

  private accept(socket: Socket): void {
    const id = newClientId();
    const log = this.services.log.child({ client: id });
    this.sockets.add(socket);
    const client = new ConnectionClient(id, socket, log, (pid) => this.services.warmClients.launcherOf(pid) ?? pid);
    const closing: (() => void)[] = [];
    const ctx: CallContext = { client, authenticated: false, log, services: this.services, whenClosed: (callback) => closing.push(callback) };
    client.connection = new RpcConnection(
      socket,
      ctx,
      {
        maxBatch: () => (ctx.authenticated ? MAX_BATCH : 0),
        onProtocolError: (detail) => log.warn({ detail }, 'protocol error'),
        onDrop: (reason) => log.warn({ reason }, 'dropping client'),
      },
      this.dispatcher,
    );
    log.debug('client connected');
    socket.on('close', () => {
      this.sockets.delete(socket);
      for (const callback of closing.splice(0)) callback();
      this.services.sessions.leave(client, log);
      log.debug('client disconnected');
    });
  }
}
