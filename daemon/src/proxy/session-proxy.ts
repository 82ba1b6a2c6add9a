// A session's way out in proxied mode: its own filtering proxy with its own 64-hex token, the
// environment that points the session's programs at it, and a log of every decision.
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { SandboxPlan } from '@nono/shared';
import { FilteringProxy } from './filtering-proxy.js';
import { createPhantomProxy } from '../credentials/phantom-proxy.js';
import { compileRules } from './host-rules.js';
import type { Resolver } from './checked-address.js';

export interface SessionProxy {
  /** The port on 127.0.0.1 the sandbox's programs connect to. */
  port: number;
  /**
   * In the view: the unix socket the proxy serves on, which the helper binds into the sandbox
   * for its relay (the sandbox's network namespace has nothing else). On Landlock alone the
   * proxy listens on TCP and Landlock's port rules stand in.
   */
  socketPath: string | undefined;
  env: Record<string, string>;
  close(): void;
}

/** Where the relay inside the sandbox's network namespace listens. */
const RELAY_PORT = 3128;

/** Makes fetch() in older Node honour the proxy variables; see the file's own comment. */
export const FETCH_PRELOAD = fileURLToPath(new URL('../../preload/fetch-proxy.cjs', import.meta.url));
/** The undici package the preload loads, which the sandbox must be able to read. */
export const UNDICI_DIR = dirname(createRequire(import.meta.url).resolve('undici/package.json'));

export async function startSessionProxy(
  plan: SandboxPlan,
  options: { log: Logger; netLogPath: string; resolve: Resolver; socketDir: string; id: string },
): Promise<SessionProxy> {
  const token = randomBytes(32).toString('hex');
  const phantoms = plan.hosts.credentials.length > 0 ? await createPhantomProxy(plan.hosts.credentials, process.env) : undefined;
  const proxy = new FilteringProxy({
    ...(phantoms ? { originHandler: phantoms.handle } : {}),
    token,
    rules: compileRules(plan.hosts.allow, plan.hosts.deny),
    resolve: options.resolve,
    log: options.log,
    onDecision: (decision) => appendFileSync(options.netLogPath, `${JSON.stringify(decision)}\n`, { mode: 0o600 }),
  });
  let port: number;
  let socketPath: string | undefined;
  if (plan.isolation.mode === 'view') {
    mkdirSync(options.socketDir, { recursive: true, mode: 0o700 });
    socketPath = join(options.socketDir, `${options.id}.sock`);
    await proxy.listen({ path: socketPath });
    port = RELAY_PORT;
  } else {
    port = (await proxy.listen({ port: 0, host: '127.0.0.1' })) as number;
  }
  const url = `http://nono:${token}@127.0.0.1:${port}`;
  const env: Record<string, string> = { NODE_USE_ENV_PROXY: '1', NO_PROXY: 'localhost,127.0.0.1,::1', no_proxy: 'localhost,127.0.0.1,::1' };
  Object.assign(env, phantoms?.env(`http://127.0.0.1:${port}`));
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY']) {
    env[name] = url;
    env[name.toLowerCase()] = url;
  }
  return {
    port,
    socketPath,
    env,
    close: () => {
      proxy.close();
      if (socketPath) rmSync(socketPath, { force: true });
    },
  };
}
