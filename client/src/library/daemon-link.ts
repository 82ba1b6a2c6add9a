// One logical connection to nonod that can outlive the daemon: it connects (starting nonod if
// asked), authenticates with the secret from the runtime dir, and, when reconnecting is on,
// finds the next daemon after a restart and authenticates again with that daemon's new secret.
// Calls in flight when a daemon goes away fail (nobody can say whether they ran); calls made
// while it is away wait a little for the next one.
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { JSONRPCParams } from 'json-rpc-2.0';
import { RpcConnection } from '@nono/shared/rpc/connection';
import type { OutputFrameHeader } from '@nono/shared/rpc/output-frame';
import type { NonoPaths } from '@nono/shared/paths';
import { NonoError } from '@nono/shared/protocol/errors';
import { connectOrStart } from '../daemon-launcher.js';

export interface ReconnectOptions {
  /** Start nonod when it is not back by itself (default false: a stopped daemon stays stopped). */
  autoStart?: boolean;
  /** How long a call made while the daemon is away waits for it (default 5000 ms). */
  waitMs?: number;
}

export interface LinkOptions {
  paths: NonoPaths;
  /** The environment a daemon started on demand gets (the one the paths were resolved from). */
  env: NodeJS.ProcessEnv;
  autoStart: boolean;
  clientName: string;
  reconnect: ReconnectOptions | false;
  onNotification(method: string, params: unknown): void;
  /** session.output that came as a binary frame (asked for at attach). */
  onOutput(header: OutputFrameHeader, data: Buffer): void;
}

interface Live {
  socket: Socket;
  rpc: RpcConnection<void>;
  /** auth.hello's reply; calls are sent behind it without waiting a round trip for it. */
  authenticated: Promise<unknown>;
}

type Listener = () => void;

const SECRET_WAIT_MS = 5000;
const MAX_BACKOFF_MS = 1000;

export class DaemonLink {
  private live: Live | undefined;
  private finished = false;
  private closing = false;
  private back: { promise: Promise<Live>; resolve: (live: Live) => void } | undefined;
  private readonly listeners = { close: new Set<Listener>(), disconnect: new Set<Listener>(), reconnect: new Set<Listener>() };

  private constructor(private readonly options: LinkOptions) {}

  static async open(options: LinkOptions): Promise<DaemonLink> {
    const link = new DaemonLink(options);
    link.adopt(await link.establish(options.autoStart));
    return link;
  }

  /** Sends at once; an authentication failure is reported in preference to the call's own error. */
  async request(method: string, params: JSONRPCParams): Promise<unknown> {
    const live = this.live ?? (await this.waitForDaemon(method));
    const reply = live.rpc.request(method, params);
    reply.catch(() => undefined);
    try {
      await live.authenticated;
      return await reply;
    } catch (error) {
      // An error the daemon sent carries its kind; one without came from the connection closing.
      if (error instanceof NonoError && !('kind' in error.details) && live.rpc.closed) {
        throw new NonoError('DAEMON_UNREACHABLE', `${method}: the connection to nonod closed before it answered; it may or may not have run`, { method, inFlight: true });
      }
      throw error;
    }
  }

  /**
   * Sends a call as a JSON-RPC notification: no reply, so nothing to wait for or handle (keys
   * typed on a terminal). Dropped while no daemon is connected.
   */
  notify(method: string, params: JSONRPCParams): void {
    this.live?.rpc.notify(method, params);
  }

  /**
   * Subscribes to a lifecycle event: disconnect (the daemon went away), reconnect (a daemon is
   * back and this client is authenticated to it), close (for good). Returns the unsubscribe
   * function; a finished link reports close at once.
   */
  on(event: keyof DaemonLink['listeners'], listener: Listener): () => void {
    if (event === 'close' && this.finished) {
      queueMicrotask(listener);
      return () => undefined;
    }
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  close(): void {
    this.closing = true;
    if (this.live) this.live.rpc.close('client done');
    else this.finish();
  }

  private async establish(autoStart: boolean): Promise<Live> {
    const socket = await connectOrStart(this.options.paths, autoStart, this.options.env);
    // The daemon is this connection's only peer and a trusted one: what it sends is handled as
    // fast as it comes, with none of the per-turn rationing the daemon applies to its clients.
    const rpc = new RpcConnection<void>(socket, undefined, {
      framing: 'lsp',
      inboxLimits: { perTurn: Infinity, inFlight: Infinity },
      onOutput: (header, data) => this.options.onOutput(header, data),
    });
    rpc.server.handleMethodNotFound = async (request) => {
      this.options.onNotification(request.method, request.params);
      return null;
    };
    const token = await readSecret(this.options.paths.secretPath, socket);
    const authenticated = rpc.request('auth.hello', { token, client: this.options.clientName });
    authenticated.catch(() => undefined);
    return { socket, rpc, authenticated };
  }

  private adopt(live: Live): void {
    this.live = live;
    live.socket.once('close', () => this.lost(live));
  }

  private lost(live: Live): void {
    if (this.live !== live) return;
    this.live = undefined;
    const reconnect = this.closing ? false : this.options.reconnect;
    if (reconnect !== false) {
      let resolve!: (live: Live) => void;
      this.back = { promise: new Promise<Live>((r) => (resolve = r)), resolve };
    }
    if (!this.closing) this.emit('disconnect');
    if (reconnect === false) this.finish();
    else void this.reconnect(reconnect);
  }

  private async reconnect(options: ReconnectOptions): Promise<void> {
    for (let delay = 50; !this.closing; delay = Math.min(delay * 2, MAX_BACKOFF_MS)) {
      let live: Live | undefined;
      try {
        live = await this.establish(options.autoStart === true);
        await live.authenticated;
        if (this.closing) {
          live.rpc.close('client done');
          break;
        }
        const back = this.back!;
        this.back = undefined;
        this.adopt(live);
        back.resolve(live);
        this.emit('reconnect');
        return;
      } catch {
        live?.rpc.close('authentication failed');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    this.finish();
  }

  private waitForDaemon(method: string): Promise<Live> {
    if (!this.back) return Promise.reject(new NonoError('DAEMON_UNREACHABLE', `${method}: this client is closed; connect again`));
    const waitMs = (this.options.reconnect || {}).waitMs ?? 5000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new NonoError('DAEMON_UNREACHABLE', `${method}: nonod at ${this.options.paths.socketPath} has not come back within ${waitMs} ms; still trying in the background`)),
        waitMs,
      );
      void this.back!.promise.then((live) => {
        clearTimeout(timer);
        resolve(live);
      });
    });
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.emit('close');
  }

  private emit(event: keyof DaemonLink['listeners']): void {
    for (const listener of [...this.listeners[event]]) listener();
  }
}

/**
 * Under systemd socket activation the socket accepts before nonod has started, so the secret
 * it writes at start may not exist yet: wait for it a little rather than fail.
 */
async function readSecret(path: string, socket: Socket): Promise<string> {
  const deadline = Date.now() + SECRET_WAIT_MS;
  for (;;) {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      socket.destroy();
      throw new NonoError(
        'UNAUTHENTICATED',
        `cannot read the daemon secret ${path} (${code}); run nono as the user who owns the daemon, outside any sandbox`,
      );
    }
  }
}
