// The reverse proxy behind phantom tokens. A session's programs send their API calls to
// http://127.0.0.1:PORT/<route>/... with a phantom key; this swaps the phantom for the real key
// and forwards over TLS to the route's upstream, streaming the answer back (SSE included).
// The phantom is worthless anywhere else: it only works here, for this session.
import { timingSafeEqual, randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { createServer, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyInstance } from 'fastify';
import { NonoError, type SandboxPlan } from '@nono/shared';
import { BUILTIN_ROUTES, parseCredentialRequest, routeNamed, type CredentialRoute } from '../credentials/credential-routes.js';
import { resolveCredential } from '../credentials/credential-source.js';
import { withoutHopByHop } from './hop-by-hop.js';
import { createSessionCa, terminateTls } from './session-ca.js';
import { compileEndpointRules, endpointVerdict, type EndpointRule } from './endpoint-rules.js';
import { compileAllowedEndpoints, pathVerdict, type AllowedEndpoint } from './allowed-endpoints.js';

interface ActiveCredential {
  route: CredentialRoute;
  upstream: URL;
  key: string;
  phantom: Buffer;
  rules: EndpointRule[];
  /** network.allow_endpoints naming the route's own upstream (a stand-in upstream answers for it). */
  paths: AllowedEndpoint[];
}

/** What an agent may call with a credential: the route's endpoint_rules, then allow_endpoints. */
export interface CredentialEndpointRules {
  routes: Record<string, string[]>;
  paths: string[];
}

/** Both rule sets must allow it; the refusal names the credential and the rule that refused. */
function refusal(credential: ActiveCredential, method: string, path: string): string | undefined {
  const verdict = endpointVerdict(credential.rules, method, path);
  if (!verdict.allowed) return `${method} ${path.split('?')[0]} is not allowed with ${credential.route.name} (${verdict.rule})`;
  const declared = new URL(credential.route.upstream);
  const byPath = pathVerdict(credential.paths, declared.hostname, Number(declared.port || 443), path);
  if (byPath && !byPath.allowed) return `${method} ${path.split('?')[0]} is not allowed with ${credential.route.name} (${byPath.reason})`;
  return undefined;
}

/**
 * Routes sent to another upstream, trusting another CA: for tests, which stand in for the real
 * APIs. Only the daemon's programmatic entry (startDaemon's options) sets it; no environment
 * variable, profile or RPC reaches it, so nothing can redirect a real key.
 */
export interface UpstreamOverride {
  /** Route name → upstream URL. */
  upstreams: Record<string, string>;
  /** PEM file of the CA the overriding upstreams' certificates chain to. */
  ca?: string | undefined;
}

export interface PhantomProxy {
  /** Handles an origin-form request (a path, not a proxy URL) for the session's proxy. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** The same for a WebSocket upgrade: checked alike, then the two sockets are joined. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** The variables the sandbox gets: phantom keys and base URLs. */
  env(baseUrl: string): Record<string, string>;
  /** The session CA the sandbox must trust for intercepted hosts. */
  caPem: string;
  /** Whether a CONNECT to host:port is to a credential route's upstream, to be intercepted. */
  intercepts(host: string, port: number): boolean;
  /** Terminates TLS on the tunnel with a session-CA certificate and serves it with the key injected. */
  intercept(socket: Duplex, host: string, port: number): void;
}


function phantomFrom(route: CredentialRoute, req: IncomingMessage): Buffer {
  const raw = String(req.headers[route.header] ?? '');
  const [prefix] = route.format.split('{key}');
  return Buffer.from(raw.startsWith(prefix!) ? raw.slice(prefix!.length) : raw);
}

export async function createPhantomProxy(
  requested: string[],
  daemonEnv: NodeJS.ProcessEnv,
  sessionId: string,
  endpointRules: CredentialEndpointRules = { routes: {}, paths: [] },
  customRoutes: SandboxPlan['hosts']['customRoutes'] = {},
  onUse: (route: string, host: string) => void = () => undefined,
  /** The environment of the run (the client's shell), where env:// sources look first. */
  runEnv: Record<string, string> = {},
  override: UpstreamOverride = { upstreams: {} },
  /** An upstream that could not be reached (DNS, refused, TLS, …), recorded as a net.fail decision. */
  onFailure: (route: string, method: string, upstream: URL, error: unknown) => void = () => undefined,
): Promise<PhantomProxy> {
  const active = new Map<string, ActiveCredential>();
  const allowedPaths = compileAllowedEndpoints(endpointRules.paths);
  for (const text of requested) {
    const { name, source } = parseCredentialRequest(text);
    const custom = customRoutes[name];
    const route: CredentialRoute | undefined = custom
      ? {
          name,
          upstream: custom.upstream,
          header: custom.header,
          format: custom.format,
          keyVariable: custom.keyVariable,
          baseUrlVariable: custom.baseUrlVariable ?? undefined,
          baseUrlSuffix: '',
          defaultSource: custom.source ?? `env://${custom.keyVariable}`,
        }
      : routeNamed(name);
    if (!route) {
      const known = [...BUILTIN_ROUTES.map((r) => r.name), ...Object.keys(customRoutes)];
      throw new NonoError('CREDENTIAL_UNKNOWN', `unknown credential ${name}; known: ${known.join(', ')} (or define it in network.custom_credentials)`, { credential: name });
    }
    const upstream = new URL(override.upstreams[name] ?? route.upstream);
    active.set(name, {
      route,
      upstream,
      key: await resolveCredential(name, source, route.defaultSource, daemonEnv, runEnv),
      phantom: Buffer.from(`nono-phantom-${randomBytes(24).toString('hex')}`),
      rules: compileEndpointRules(endpointRules.routes[name] ?? []),
      paths: allowedPaths,
    });
  }
  const ca = override.ca ? readFileSync(override.ca) : undefined;

  let route: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const app: FastifyInstance = Fastify({
    logger: false,
    // The session's filtering proxy owns the socket; fastify only routes what it hands over.
    serverFactory: (handler) => {
      route = handler;
      return createServer();
    },
  });
  app.all('/:route/*', async (request, reply) => {
    const credential = active.get((request.params as { route: string }).route);
    if (!credential) return reply.code(404).send({ error: `no credential route ${(request.params as { route: string }).route} in this session` });
    const given = phantomFrom(credential.route, request.raw);
    if (given.length !== credential.phantom.length || !timingSafeEqual(given, credential.phantom)) {
      return reply.code(401).send({ error: `missing or wrong key for ${credential.route.name}: use the ${credential.route.keyVariable} this session was given` });
    }
    const base = credential.upstream.pathname.replace(/\/$/, '');
    const path = `${base}/${(request.params as { '*': string })['*']}${queryOf(request.raw)}`;
    const refused = refusal(credential, request.method, path);
    if (refused) return reply.code(403).send({ error: refused });
    reply.hijack();
    onUse(credential.route.name, credential.upstream.hostname);
    forward(credential, request.raw, reply.raw, path, ca, onFailure);
    return reply;
  });
  // Bodies pass through untouched, whatever their type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  await app.ready();

  const sessionCa = await createSessionCa(sessionId);
  const byTarget = new Map([...active.values()].map((c) => [`${c.upstream.hostname}:${c.upstream.port || 443}`, c]));
  // Requests inside an intercepted tunnel: whatever key the tool sent, the real one goes out.
  const intercepted = createServer((req, res) => {
    const credential = byTarget.get(String((req.socket as TLSSocket & { nonoTarget?: string }).nonoTarget));
    if (!credential) return void res.writeHead(502).end();
    const refused = refusal(credential, req.method ?? 'GET', req.url ?? '/');
    if (refused) {
      res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error: refused }));
      return;
    }
    onUse(credential.route.name, credential.upstream.hostname);
    forward(credential, req, res, req.url ?? '/', ca, onFailure);
  });
  intercepted.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const credential = byTarget.get(String((req.socket as TLSSocket & { nonoTarget?: string }).nonoTarget));
    if (!credential) return refuseUpgrade(socket, 502, 'no credential route for this tunnel');
    const refused = refusal(credential, req.method ?? 'GET', req.url ?? '/');
    if (refused) return refuseUpgrade(socket, 403, refused);
    onUse(credential.route.name, credential.upstream.hostname);
    forwardUpgrade(credential, req, socket, head, req.url ?? '/', ca, onFailure);
  });
  return {
    caPem: sessionCa.certPem,
    intercepts: (host, port) => byTarget.has(`${host.toLowerCase()}:${port}`),
    intercept: (socket, host, port) => {
      terminateTls(sessionCa, socket, host.toLowerCase(), (tls: TLSSocket & { nonoTarget?: string }) => {
        tls.nonoTarget = `${host.toLowerCase()}:${port}`;
        intercepted.emit('connection', tls);
      });
    },
    handle: (req, res) => route!(req, res),
    handleUpgrade: (req, socket, head) => {
      // The same checks as the fastify route above, which never sees an upgrade.
      const [, name = '', ...rest] = (req.url ?? '/').split('?')[0]!.split('/');
      const credential = active.get(name);
      if (!credential) return refuseUpgrade(socket, 404, `no credential route ${name} in this session`);
      const given = phantomFrom(credential.route, req);
      if (given.length !== credential.phantom.length || !timingSafeEqual(given, credential.phantom)) {
        return refuseUpgrade(socket, 401, `missing or wrong key for ${credential.route.name}: use the ${credential.route.keyVariable} this session was given`);
      }
      const path = `${credential.upstream.pathname.replace(/\/$/, '')}/${rest.join('/')}${queryOf(req)}`;
      const refused = refusal(credential, req.method ?? 'GET', path);
      if (refused) return refuseUpgrade(socket, 403, refused);
      onUse(credential.route.name, credential.upstream.hostname);
      forwardUpgrade(credential, req, socket, head, path, ca, onFailure);
    },
    env: (baseUrl) => {
      const env: Record<string, string> = {};
      for (const [name, credential] of active) {
        env[credential.route.keyVariable] = credential.phantom.toString();
        if (credential.route.baseUrlVariable) env[credential.route.baseUrlVariable] = `${baseUrl}/${name}${credential.route.baseUrlSuffix}`;
      }
      return env;
    },
  };
}

function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/** A response head written by hand: after an upgrade the socket is ours, not an http.ServerResponse. */
function responseHead(status: number, message: string | undefined, headers: IncomingHttpHeaders): string {
  const lines = [`HTTP/1.1 ${status} ${message ?? STATUS_CODES[status] ?? ''}`];
  for (const [name, value] of Object.entries(headers)) {
    for (const one of Array.isArray(value) ? value : [value]) if (one !== undefined) lines.push(`${name}: ${one}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * A WebSocket handshake to the upstream with the real key; on 101 the two sockets are joined
 * byte for byte, anything else is passed back as the answer it is (a 404 lets the client fall
 * back to plain HTTPS at once, as it would talking to the API directly).
 */
function forwardUpgrade(
  credential: ActiveCredential,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  path: string,
  ca: Buffer | undefined,
  onFailure: (route: string, method: string, upstream: URL, error: unknown) => void,
): void {
  const headers = {
    ...withoutHopByHop(req.headers),
    connection: 'Upgrade',
    upgrade: String(req.headers.upgrade ?? 'websocket'),
    [credential.route.header]: credential.route.format.replace('{key}', credential.key),
  };
  const upstream = httpsRequest({ hostname: credential.upstream.hostname, port: credential.upstream.port || 443, method: req.method, path, headers, ...(ca ? { ca } : {}) });
  upstream.on('upgrade', (answer, upstreamSocket, upstreamHead) => {
    socket.write(responseHead(101, answer.statusMessage, { ...answer.headers }));
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (head.length > 0) upstreamSocket.write(head);
    upstreamSocket.pipe(socket).pipe(upstreamSocket);
    const close = (): void => {
      upstreamSocket.destroy();
      socket.destroy();
    };
    upstreamSocket.on('error', close);
    socket.on('error', close);
  });
  upstream.on('response', (answer) => {
    socket.write(responseHead(answer.statusCode ?? 502, answer.statusMessage, { ...withoutHopByHop(answer.headers), connection: 'close' }));
    answer.pipe(socket);
  });
  upstream.on('error', (error) => {
    onFailure(credential.route.name, req.method ?? 'GET', credential.upstream, error);
    refuseUpgrade(socket, 502, `cannot reach ${credential.upstream.host} (${(error as NodeJS.ErrnoException).code})`);
  });
  socket.on('error', () => upstream.destroy());
  upstream.end();
}

function queryOf(req: IncomingMessage): string {
  return req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
}

function forward(
  credential: ActiveCredential,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  ca: Buffer | undefined,
  onFailure: (route: string, method: string, upstream: URL, error: unknown) => void,
): void {
  const headers = { ...withoutHopByHop(req.headers), [credential.route.header]: credential.route.format.replace('{key}', credential.key) };
  const upstream = httpsRequest(
    { hostname: credential.upstream.hostname, port: credential.upstream.port || 443, method: req.method, path, headers, ...(ca ? { ca } : {}) },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
      res.flushHeaders();
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    if (!res.headersSent) onFailure(credential.route.name, req.method ?? 'GET', credential.upstream, error);
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `cannot reach ${credential.upstream.host} (${(error as NodeJS.ErrnoException).code})` }));
  });
  req.pipe(upstream);
}
