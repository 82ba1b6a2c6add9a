// The typed client library: connect (starting the daemon if asked), authenticate, call
// methods with types from the shared descriptors, and subscribe to notifications.
// The CLI is built on it, so an editor plugin gets exactly what the CLI can do.
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { RpcConnection } from '@nono/shared/rpc/connection';
import { resolveNonoPaths, type NonoPaths } from '@nono/shared/paths';
import { NonoError } from '@nono/shared/protocol/errors';
import type { MethodName, ParamsOf, ResultOf } from '@nono/shared/protocol/methods';
import type { Progress, SessionDetached, SessionExit, SessionOutput, SessionResize } from '@nono/shared/protocol/notifications';
import { NONO_VERSION } from '@nono/shared/version';
import { connectOrStart } from './daemon-launcher.js';

export interface NotificationMap {
  'session.output': SessionOutput;
  'session.exit': SessionExit;
  'session.resize': SessionResize;
  'session.detached': SessionDetached;
  progress: Progress;
}

export interface ConnectOptions {
  env?: NodeJS.ProcessEnv;
  /** Start nonod when nothing answers on the socket (default true). */
  autoStart?: boolean;
  clientName?: string;
}

export class NonoClient {
  private readonly handlers = new Map<string, ((params: unknown) => void)[]>();
  /** auth.hello's reply; calls are sent behind it without waiting a round trip for it. */
  private authenticated: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly socket: Socket,
    private readonly connection: RpcConnection<void>,
    readonly paths: NonoPaths,
  ) {}

  static async connect(options: ConnectOptions = {}): Promise<NonoClient> {
    const paths = resolveNonoPaths(options.env ?? process.env);
    const socket = await connectOrStart(paths, options.autoStart ?? true);
    const connection = new RpcConnection<void>(socket, undefined, { framing: 'lsp' });
    const client = new NonoClient(socket, connection, paths);
    connection.server.handleMethodNotFound = async (request) => {
      for (const handler of client.handlers.get(request.method) ?? []) handler(request.params);
      return null;
    };
    const token = await readSecret(paths.secretPath, socket);
    client.authenticated = connection.request('auth.hello', { token, client: options.clientName ?? `nono ${NONO_VERSION}` });
    client.authenticated.catch(() => undefined);
    return client;
  }

  /** Sent at once; an authentication failure is reported in preference to the call's own error. */
  async call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    const reply = this.connection.request(method, params as Record<string, unknown>);
    reply.catch(() => undefined);
    await this.authenticated;
    return (await reply) as ResultOf<M>;
  }

  on<N extends keyof NotificationMap>(notification: N, handler: (params: NotificationMap[N]) => void): void {
    const list = this.handlers.get(notification) ?? [];
    list.push(handler as (params: unknown) => void);
    this.handlers.set(notification, list);
  }

  onClose(handler: () => void): void {
    this.socket.once('close', handler);
  }

  close(): void {
    this.connection.close('client done');
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

const SECRET_WAIT_MS = 5000;

export const connect = NonoClient.connect;
