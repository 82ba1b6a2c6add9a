// A session's way out in proxied mode: its own filtering proxy with its own 64-hex token, the
// environment that points the session's programs at it. Every decision goes to the audit log,
// its one record (`nono logs --net` reads it back from there).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditInput } from '../audit/event-kinds.js';
import { NonoError, type SandboxPlan } from '@nono/shared';
import { FilteringProxy, type ProxyDecision } from './filtering-proxy.js';
import { connectFailure } from './connect-failure.js';
import { compileRules, loopbackForwards, type LoopbackForward } from './host-rules.js';
import { compileAllowedEndpoints } from './allowed-endpoints.js';
import { createPathInspector } from './path-inspector.js';
import type { Resolver } from './checked-address.js';
import type { UpstreamOverride } from './phantom-proxy.js';

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
  /** The relay's Proxy-Authorization credentials (base64 of nono:TOKEN), for its forwards. */
  auth: string;
  /** In the view: host loopback ports the allowlist names, which the relay listens on too. */
  forwards: LoopbackForward[];
  /** Files the sandbox must be able to read (the CA bundles for intercepted hosts). */
  readable: string[];
  close(): void;
}

/** Where the system's trusted roots usually are; the intercepting CA is added to them. */
const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];

/** Where the relay inside the sandbox's network namespace listens. */
const RELAY_PORT = 3128;

/** The helper's FORWARDS_MAX: each forward is a listening socket in the relay. */
const MAX_FORWARDS = 64;

/** Makes fetch() in older Node honour the proxy variables; see the file's own comment. */
export const FETCH_PRELOAD = fileURLToPath(new URL('../../preload/fetch-proxy.cjs', import.meta.url));
/** The undici package the preload loads, which the sandbox must be able to read. */
export const UNDICI_DIR = dirname(createRequire(import.meta.url).resolve('undici/package.json'));

/** Where a session's CA and the bundle holding it are written, known before the proxy starts. */
export function sessionCaFiles(socketDir: string, id: string): { ca: string; bundle: string } {
  return { ca: join(socketDir, `${id}-ca.pem`), bundle: join(socketDir, `${id}-bundle.pem`) };
}

/**
 * Whether the proxy will terminate TLS with a session CA the sandbox must trust: a credential
 * route is intercepted, and so is a path-limited host on 443.
 */
export function needsSessionCa(hosts: SandboxPlan['hosts']): boolean {
  return hosts.credentials.length > 0 || compileAllowedEndpoints(hosts.endpoints ?? []).some((e) => e.port === 443);
}

export async function startSessionProxy(
  plan: SandboxPlan,
  options: {
    log: Logger;
    resolve: Resolver;
    socketDir: string;
    id: string;
    record: (event: AuditInput) => void;
    /** The run's environment, where env:// credential sources are read; never kept. */
    runEnv?: Record<string, string>;
    credentialOverride?: UpstreamOverride | undefined;
    /** Approvals: ask about a host no rule allows instead of refusing it. */
    ask?: (host: string, port: number, method: string, gone: AbortSignal) => Promise<{ answer: string; by: string }>;
  },
): Promise<SessionProxy> {
  const { record } = options;
  const forwards = plan.isolation.mode === 'view' ? loopbackForwards(plan.hosts.allow, RELAY_PORT) : [];
  if (forwards.length > MAX_FORWARDS) {
    throw new NonoError('SANDBOX_UNAVAILABLE', `the allowlist names ${forwards.length} loopback address:port pairs to forward into the view, and the relay holds at most ${MAX_FORWARDS}; allow fewer loopback ports`);
  }
  const token = randomBytes(32).toString('hex');
  const logDecision = (decision: ProxyDecision): void => {
    const { host, port, rule, method, cause, suggest } = decision;
    const payload = { host, port, rule, method, ...(cause ? { cause } : {}), ...(suggest ? { suggest } : {}) };
    record({ kind: `net.${decision.decision}`, session: options.id, payload });
  };
  // A credential route's upstream is reached by the phantom proxy, not the filter: its failures
  // (a TLS error among them, which only it can see) are recorded the same way.
  const routeFailed = (route: string, method: string, upstream: URL, error: unknown): void => {
    const failure = connectFailure(upstream.host, error);
    const port = Number(upstream.port || 443);
    logDecision({ time: new Date().toISOString(), method, host: upstream.hostname, port, decision: 'fail', rule: `credential route ${route}, but ${failure.reason}`, cause: failure.cause });
  };
  // Loaded only for sessions with credentials: fastify and the CA code are a quarter of an idle
  // daemon's memory otherwise.
  const phantoms = plan.hosts.credentials.length > 0 ? await (await import('./phantom-proxy.js')).createPhantomProxy(plan.hosts.credentials, process.env, options.id, { routes: plan.hosts.endpointRules, paths: plan.hosts.endpoints ?? [] }, plan.hosts.customRoutes, (route, host) =>
          record({ kind: 'credential.use', session: options.id, payload: { route, host } }),
          options.runEnv,
          options.credentialOverride,
          routeFailed,
        ) : undefined;
  const endpoints = compileAllowedEndpoints(plan.hosts.endpoints ?? []);
  // Path-limited TLS hosts that no credential route intercepts already: inspected here.
  const inspector = await createPathInspector(
    endpoints.filter((e) => !phantoms?.intercepts(e.host.host, e.port)),
    options.id,
    ({ host, port, method, path, allowed, rule }) =>
      logDecision({ time: new Date().toISOString(), method, host, port, decision: allowed ? 'allow' : 'deny', rule: `${rule} (path ${path.split('?')[0]})`, ...(allowed ? {} : { cause: 'path-rule' as const }) }),
    options.credentialOverride?.ca ? readFileSync(options.credentialOverride.ca) : undefined,
  );
  const proxy = new FilteringProxy({
    ...(phantoms ? { originHandler: phantoms.handle, originUpgrade: phantoms.handleUpgrade, interceptor: phantoms } : {}),
    ...(inspector ? { inspector } : {}),
    token,
    rules: compileRules(plan.hosts.allow, plan.hosts.deny),
    endpoints,
    resolve: options.resolve,
    log: options.log,
    onDecision: logDecision,
    ...(options.ask ? { ask: options.ask } : {}),
    spliceTunnels: plan.isolation.mode === 'view',
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
  const readable: string[] = [];
  const sessionCas = [phantoms?.caPem, inspector?.caPem].filter((pem): pem is string => pem !== undefined);
  if (sessionCas.length > 0) {
    // Tools that ignore base URLs (git, gh, curl to the real host) are intercepted, and so are
    // path-limited hosts: they must trust the session CAs, on top of the system's roots.
    mkdirSync(options.socketDir, { recursive: true, mode: 0o700 });
    const { ca: sessionCa, bundle } = sessionCaFiles(options.socketDir, options.id);
    const system = SYSTEM_BUNDLES.find((path) => existsSync(path));
    writeFileSync(sessionCa, sessionCas.join('\n'), { mode: 0o644 });
    writeFileSync(bundle, `${system ? readFileSync(system, 'utf8') : ''}\n${sessionCas.join('\n')}`, { mode: 0o644 });
    Object.assign(env, { SSL_CERT_FILE: bundle, REQUESTS_CA_BUNDLE: bundle, CURL_CA_BUNDLE: bundle, GIT_SSL_CAINFO: bundle, NODE_EXTRA_CA_CERTS: sessionCa });
    readable.push(sessionCa, bundle);
  }
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY']) {
    env[name] = url;
    env[name.toLowerCase()] = url;
  }
  return {
    port,
    socketPath,
    env,
    auth: Buffer.from(`nono:${token}`).toString('base64'),
    forwards,
    readable,
    close: () => {
      proxy.close();
      for (const path of [socketPath, ...readable]) if (path) rmSync(path, { force: true });
    },
  };
}
