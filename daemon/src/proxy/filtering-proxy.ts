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
import { decideName, type HostPolicyRules } from './host-rules.js';
import { withoutHopByHop } from './hop-by-hop.js';

export interface ProxyDecision {
  time: string;
  method: string;
  host: string;
  port: number;
  decision: 'allow' | 'deny';
  rule: string;
}

export interface ProxyOptions {
  token: string;
  rules: HostPolicyRules;
  resolve: Resolver;
  log: Logger;
  /** Every decision, for the session's network log and the audit log. */
  onDecision(decision: ProxyDecision): void;
  /** Requests for a path rather than a URL: the phantom-token credential routes, if any. */
  originHandler?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Tunnels to credential-route hosts, which are opened here with the key injected. */
  interceptor?: { intercepts(host: string, port: number): boolean; intercept(socket: Duplex, host: string, port: number): void };
}

/** Headers past this are answered 431 by Node's parser before any of our code runs. */
const MAX_HEADER_BYTES = 32 * 1024;

export class FilteringProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Duplex>();
  private readonly expected: Buffer;

  constructor(private readonly options: ProxyOptions) {
    this.expected = Buffer.from(`Basic ${Buffer.from(`nono:${options.token}`).toString('base64')}`);
    this.server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, keepAlive: true }, (req, res) => void this.forward(req, res));
    this.server.on('connect', (req, socket: Duplex, head: Buffer) => void this.tunnel(req, socket, head));
    this.server.on('upgrade', (req, socket: Duplex) => this.refuseRaw(socket, 501, 'WebSocket over plain HTTP is not proxied; use wss:// (CONNECT)'));
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

  private decide(method: string, host: string, port: number, decision: 'allow' | 'deny', rule: string): void {
    const entry = { time: new Date().toISOString(), method, host, port, decision, rule };
    this.options.log.info(entry, 'network decision');
    this.options.onDecision(entry);
  }

  /** Name rules, then the address it resolves to; returns the address to connect to. */
  private async admit(method: string, host: string, port: number): Promise<{ address: string } | { reason: string }> {
    const byName = decideName(this.options.rules, host, port);
    if (!byName.allowed) {
      this.decide(method, host, port, 'deny', byName.reason);
      return { reason: byName.reason };
    }
    const byAddress = await checkedAddress(this.options.rules, host, port, this.options.resolve);
    if (!byAddress.allowed) {
      this.decide(method, host, port, 'deny', byAddress.reason);
      return { reason: byAddress.reason };
    }
    this.decide(method, host, port, 'allow', `${byName.rule} -> ${byAddress.address}`);
    return { address: byAddress.address };
  }

  private async tunnel(req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    client.on('error', () => undefined);
    if (!this.authorized(req)) return this.refuseRaw(client, 407, 'proxy credentials missing or wrong');
    const target = /^(\[[^\]]+\]|[^:/\s]+):(\d{1,5})$/.exec(req.url ?? '');
    const port = Number(target?.[2]);
    if (!target || port < 1 || port > 65535) return this.refuseRaw(client, 400, `CONNECT needs host:port, got ${JSON.stringify(req.url)}`);
    if (this.options.interceptor?.intercepts(target[1]!, port)) {
      this.decide('CONNECT', target[1]!, port, 'allow', 'credential route (intercepted, key injected)');
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) client.unshift(head);
      this.options.interceptor.intercept(client, target[1]!, port);
      return;
    }
    const admitted = await this.admit('CONNECT', target[1]!, port);
    if ('reason' in admitted) return this.refuseRaw(client, 403, admitted.reason);
    const upstream = connect({ host: admitted.address, port });
    upstream.on('error', (error) => this.refuseRaw(client, 502, `cannot reach ${target[1]}:${port} (${(error as NodeJS.ErrnoException).code})`));
    upstream.once('connect', () => {
      upstream.removeAllListeners('error');
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
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
    const admitted = await this.admit(req.method ?? 'GET', url.hostname, port);
    if ('reason' in admitted) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`nono: ${admitted.reason}\n`);
      return;
    }
    const headers = { ...withoutHopByHop(req.headers), host: url.host };
    const upstream = httpRequest({ host: admitted.address, port, method: req.method, path: `${url.pathname}${url.search}`, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, withoutHopByHop(answer.headers));
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`nono: cannot reach ${url.host} (${(error as NodeJS.ErrnoException).code})\n`);
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
