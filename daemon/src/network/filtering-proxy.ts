// The per-session filtering proxy: HTTP CONNECT tunnels (TLS stays end to end; the proxy sees
// only the host and port) and plain HTTP forwarding, each allowed only after the session's
// token, its host rules and a check of the address it will connect to.
//
// Written on node:http rather than http-mitm-proxy: that library is built around intercepting
// TLS, which this proxy must not do (it belongs to the credentials work), and its CONNECT path
// gives no hook between "resolve" and "connect" where the rebinding check has to sit.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { checkedAddress, type Resolver } from './checked-address.js';
import { connectFailure, type ConnectFailure, type FailCause } from './connect-failure.js';
import { decideName, parseHostRule, ruleFor, type DenyCause, type HostPolicyRules, type NameDecision, type Refusal } from './host-rules.js';
import { withoutHopByHop } from './hop-by-hop.js';
import { endpointsFor, pathVerdict, type AllowedEndpoint } from './allowed-endpoints.js';
import { connectedByRelay, offerToRelay, spliceUnavailable } from './tunnel-handoff.js';

export interface ProxyDecision {
  time: string;
  method: string;
  host: string;
  port: number;
  /** allow: connected; deny: the policy refused; fail: allowed, but the host could not be reached. */
  decision: 'allow' | 'deny' | 'fail';
  /** allow: the rule and the address; deny: why; fail: the rule that allowed it and what failed. */
  rule: string;
  cause?: DenyCause | FailCause;
  /** deny only: the allow rule that would change the outcome, when one would. */
  suggest?: string;
}

export interface ProxyOptions {
  token: string;
  rules: HostPolicyRules;
  /** network.allow_endpoints: hosts reachable on some paths only. */
  endpoints?: AllowedEndpoint[];
  resolve: Resolver;
  log: Logger;
  /** Every decision, for the audit log (its one record). */
  onDecision(decision: ProxyDecision): void;
  /** Requests for a path rather than a URL: the phantom-token credential routes, if any. */
  originHandler?: (req: IncomingMessage, res: ServerResponse) => void;
  /** WebSocket upgrades for a path: a credential route's streaming API (Codex's Responses). */
  originUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Path-limited TLS hosts (allow_endpoints), opened here so each request's path is checked. */
  inspector?: { inspects(host: string, port: number): boolean; inspect(socket: Duplex, host: string, port: number, address: string): void };
  /**
   * Approvals: a host no rule allows (not hard-denied, not deny_domain) is held while the user is
   * asked; this connection waits, the proxy serves others. Absent: such a host is refused.
   */
  ask?: (host: string, port: number, method: string, gone: AbortSignal) => Promise<{ answer: string; by: string }>;
  /** Tunnels to credential-route hosts, which are opened here with the key injected. */
  interceptor?: { intercepts(host: string, port: number): boolean; intercept(socket: Duplex, host: string, port: number): void };
  /** In the view: plain tunnels are handed to the helper's relay, which joins the sockets in C. */
  spliceTunnels?: boolean;
}

/** Headers past this are answered 431 by Node's parser before any of our code runs. */
const MAX_HEADER_BYTES = 32 * 1024;

/** An allowed host that accepts nothing for this long is reported as timed out. */
const CONNECT_TIMEOUT_MS = 30_000;

/**
 * Sent by the helper's relay for a connection to a forwarded loopback port: the bytes after
 * the CONNECT are the client's own protocol (HTTP, Postgres, …), so the proxy answers nothing
 * and on refusal just closes; what happened is in the logs. Any client may send it: it only
 * changes the framing of the answer, never the decision.
 */
const FORWARD_HEADER = 'x-nono-forward';

type Admission = { address: string; rule: string } | Refusal | ConnectFailure;

export class FilteringProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Duplex>();
  private readonly expected: Buffer;
  private pipedNoted = false;

  constructor(private readonly options: ProxyOptions) {
    this.expected = Buffer.from(`Basic ${Buffer.from(`nono:${options.token}`).toString('base64')}`);
    this.server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, keepAlive: true }, (req, res) => void this.forward(req, res));
    this.server.on('connect', (req, socket: Duplex, head: Buffer) => void this.tunnel(req, socket, head));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (req.url?.startsWith('/') && this.options.originUpgrade) return this.options.originUpgrade(req, socket, head);
      this.refuseRaw(socket, 501, 'WebSocket over plain HTTP is not proxied; use wss:// (CONNECT)');
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    // Malformed request lines, huge headers, garbage: one 4xx, that connection only.
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      this.refuseRaw(socket, status, status === 431 ? 'request headers too large' : `malformed request (${error.code ?? 'parse error'})`);
    });
  }

  listen(target: { path: string } | { port: number; host: string }): Promise<string | number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(target, () => {
        const address = this.server.address();
        resolve(typeof address === 'string' ? address : (address?.port ?? 0));
      });
    });
  }

  close(): void {
    this.server.close();
    for (const socket of this.sockets) socket.destroy();
  }

  private authorized(req: IncomingMessage): boolean {
    const given = Buffer.from(req.headers['proxy-authorization'] ?? '');
    return given.length === this.expected.length && timingSafeEqual(given, this.expected);
  }

  private record(method: string, host: string, port: number, outcome: Omit<ProxyDecision, 'time' | 'method' | 'host' | 'port'>): void {
    const entry = { time: new Date().toISOString(), method, host, port, ...outcome };
    this.options.log.debug(entry, 'network decision');
    this.options.onDecision(entry);
  }

  private refused(method: string, host: string, port: number, refusal: Refusal): void {
    this.record(method, host, port, { decision: 'deny', rule: refusal.reason, cause: refusal.cause, ...(refusal.suggest ? { suggest: refusal.suggest } : {}) });
  }

  private failed(method: string, host: string, port: number, rule: string, failure: ConnectFailure): void {
    this.record(method, host, port, { decision: 'fail', rule: `allowed by ${rule}, but ${failure.reason}`, cause: failure.cause });
  }

  /** Name rules, then the address it resolves to; the address to connect to, or what stopped it (recorded). */
  private async admit(method: string, host: string, port: number, client: Duplex, tunnel: boolean): Promise<Admission> {
    let rules = this.options.rules;
    let byName: NameDecision = decideName(rules, host, port);
    if (!byName.allowed && byName.cause === 'not-listed' && this.options.ask) {
      // Threat: the answer widens this one request only; the address check below still applies.
      const { answer, by } = await this.options.ask(host, port, method, gaveUp(client, tunnel));
      if (answer !== 'deny') {
        rules = { ...rules, allow: [...rules.allow, parseHostRule(ruleFor(host, port))] };
        byName = { allowed: true, rule: `approved ${answer} by ${by}` };
      } else byName = { allowed: false, cause: 'not-listed', reason: `${host}:${port} is on no allowlist, and the approval was denied (${by})`, suggest: ruleFor(host, port) };
    }
    if (!byName.allowed) {
      this.refused(method, host, port, byName);
      return byName;
    }
    const byAddress = await checkedAddress(rules, host, port, this.options.resolve);
    if ('failed' in byAddress) this.failed(method, host, port, byName.rule, byAddress);
    else if (!byAddress.allowed) this.refused(method, host, port, byAddress);
    if (!byAddress.allowed) return byAddress;
    return { address: byAddress.address, rule: byName.rule };
  }

  private async tunnel(req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    client.on('error', () => undefined);
    const forwarded = req.headers[FORWARD_HEADER] !== undefined;
    const refuse = (status: number, reason: string): void => {
      if (forwarded) client.destroy();
      else this.refuseRaw(client, status, reason);
    };
    if (!this.authorized(req)) return refuse(407, 'proxy credentials missing or wrong');
    const target = /^(\[[^\]]+\]|[^:/\s]+):(\d{1,5})$/.exec(req.url ?? '');
    const port = Number(target?.[2]);
    if (!target || port < 1 || port > 65535) return refuse(400, `CONNECT needs host:port, got ${JSON.stringify(req.url)}`);
    const host = target[1]!;
    if (this.options.interceptor?.intercepts(host, port)) {
      this.record('CONNECT', host, port, { decision: 'allow', rule: 'credential route (intercepted, key injected)' });
      if (!forwarded) client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) client.unshift(head);
      this.options.interceptor.intercept(client, host, port);
      return;
    }
    // Threat: a tunnel carries any path; a host limited to some paths is not tunnelled at all,
    // only opened here (its address admitted like any other) so every request's path is checked.
    const limited = endpointsFor(this.options.endpoints ?? [], host, port);
    if (limited.length > 0 && this.options.inspector?.inspects(host, port)) {
      const admitted = await this.admit('CONNECT', host, port, client, true);
      if (!('address' in admitted)) return refuse('failed' in admitted ? 502 : 403, admitted.reason);
      this.record('CONNECT', host, port, { decision: 'allow', rule: `${admitted.rule} (opened: allowed on some paths only) -> ${admitted.address}` });
      if (!forwarded) client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) client.unshift(head);
      this.options.inspector.inspect(client, host, port, admitted.address);
      return;
    }
    if (limited.length > 0) {
      const reason = `${host}:${port} is allowed on some paths only (${limited.map((e) => e.text).join(', ')}), which nono cannot check inside a tunnel`;
      this.refused('CONNECT', host, port, { allowed: false, cause: 'path-rule', reason });
      return refuse(403, reason);
    }
    const admitted = await this.admit('CONNECT', host, port, client, true);
    if (!('address' in admitted)) return refuse('failed' in admitted ? 502 : 403, admitted.reason);
    // A client that gave up while its request was held for an answer gets no connection.
    if (client.destroyed) return;
    const upstream = connect({ host: admitted.address, port, timeout: CONNECT_TIMEOUT_MS });
    // Paused: what a server says first must stay in the kernel for whoever carries the tunnel.
    upstream.pause();
    upstream.once('timeout', () => upstream.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })));
    upstream.on('error', (error) => {
      const failure = connectFailure(`${host}:${port}`, error);
      this.failed('CONNECT', host, port, admitted.rule, failure);
      refuse(502, `cannot reach ${failure.reason}`);
    });
    upstream.once('connect', () => {
      this.record('CONNECT', host, port, { decision: 'allow', rule: `${admitted.rule} -> ${admitted.address}` });
      upstream.setTimeout(0);
      upstream.removeAllListeners('timeout');
      upstream.removeAllListeners('error');
      upstream.on('error', () => client.destroy());
      const reply = forwarded ? '' : 'HTTP/1.1 200 Connection Established\r\n\r\n';
      const pipe = (): void => {
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        if (reply) client.write(reply);
        if (head.length > 0) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      };
      if (this.options.spliceTunnels && !this.pipedNoted && spliceUnavailable() !== undefined) {
        // Said once per proxy: a missing module makes every tunnel slower, never less checked.
        this.pipedNoted = true;
        this.options.log.warn({ why: spliceUnavailable() }, 'tunnels are piped through nonod: the fd-passing module did not load');
      }
      if (this.options.spliceTunnels && connectedByRelay(client as Socket) && offerToRelay(client as Socket, upstream, head, reply, pipe)) {
        this.options.log.debug({ host, port }, 'tunnel handed to the relay');
        return;
      }
      pipe();
    });
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url?.startsWith('/') && this.options.originHandler) {
      this.options.originHandler(req, res);
      return;
    }
    if (!this.authorized(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="nono"', 'content-type': 'text/plain' }).end('nono: proxy credentials missing or wrong\n');
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('nono: a proxy request needs an absolute http:// URL\n');
      return;
    }
    if (url.protocol !== 'http:') {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`nono: ${url.protocol} is not proxied as plain HTTP; use CONNECT\n`);
      return;
    }
    const port = Number(url.port || 80);
    const method = req.method ?? 'GET';
    const admitted = await this.admit(method, url.hostname, port, req.socket, false);
    if (res.destroyed) return;
    if (!('address' in admitted)) {
      res.writeHead('failed' in admitted ? 502 : 403, { 'content-type': 'text/plain' }).end(`nono: ${admitted.reason}\n`);
      return;
    }
    const byPath = pathVerdict(this.options.endpoints ?? [], url.hostname, port, url.pathname);
    if (byPath && !byPath.allowed) {
      this.refused(method, url.hostname, port, { allowed: false, cause: 'path-rule', reason: byPath.reason });
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`nono: ${byPath.reason}\n`);
      return;
    }
    const headers = { ...withoutHopByHop(req.headers), host: url.host };
    let connected = false;
    const upstream = httpRequest({ host: admitted.address, port, method: req.method, path: `${url.pathname}${url.search}`, headers, timeout: CONNECT_TIMEOUT_MS }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, withoutHopByHop(answer.headers));
      answer.pipe(res);
    });
    upstream.once('socket', (socket) =>
      socket.once('connect', () => {
        connected = true;
        upstream.setTimeout(0);
        this.record(method, url.hostname, port, { decision: 'allow', rule: `${admitted.rule} -> ${admitted.address}` });
      }),
    );
    upstream.once('timeout', () => {
      if (!connected) upstream.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' }));
    });
    upstream.on('error', (error) => {
      if (!connected) {
        const failure = connectFailure(url.host, error);
        this.failed(method, url.hostname, port, admitted.rule, failure);
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`nono: cannot reach ${failure.reason}\n`);
      } else if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`nono: ${url.host} broke off (${(error as NodeJS.ErrnoException).code})\n`);
      else res.destroy();
    });
    req.pipe(upstream);
  }

  private refuseRaw(socket: Duplex, status: number, reason: string): void {
    if (socket.destroyed) return;
    const text = { 400: 'Bad Request', 403: 'Forbidden', 407: 'Proxy Authentication Required', 431: 'Request Header Fields Too Large', 501: 'Not Implemented', 502: 'Bad Gateway' }[status] ?? 'Error';
    const body = `nono: ${reason}\n`;
    const extra = status === 407 ? 'Proxy-Authenticate: Basic realm="nono"\r\n' : '';
    socket.end(`HTTP/1.1 ${status} ${text}\r\n${extra}Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
}

/**
 * Aborts when the client gives up: a question still held for it is withdrawn. A tunnel's client
 * sends nothing until it is answered, so its end of the stream (the sandbox's relay passes a
 * close on as a half-close) is giving up too; a plain request's client may half-close and wait.
 */
function gaveUp(client: Duplex, tunnel: boolean): AbortSignal {
  const controller = new AbortController();
  if (client.destroyed || (tunnel && client.readableEnded)) controller.abort();
  else {
    client.once('close', () => controller.abort());
    if (tunnel) client.once('end', () => controller.abort());
  }
  return controller.signal;
}
