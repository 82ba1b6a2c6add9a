// Hosts that network.allow_endpoints allows on some paths only: a tunnel would carry any path,
// so the proxy terminates their TLS with a certificate from a session CA the sandbox trusts,
// checks each request's path, and sends the allowed ones on over TLS it verifies itself.
// Threat: this is the one place a sandboxed program's TLS to a non-credential host is opened.
// The upstream is reached at the address the filtering proxy already checked (no second DNS
// lookup a rebinding answer could steer) and verified against the system's CAs by the host's
// name; nothing is injected, and a refused path never leaves the daemon.
import { request as httpsRequest } from 'node:https';
import { createServer, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { withoutHopByHop } from './hop-by-hop.js';
import { endpointsFor, pathVerdict, type AllowedEndpoint } from './allowed-endpoints.js';

export interface PathInspector {
  caPem: string;
  inspects(host: string, port: number): boolean;
  /** Serves the tunnel's requests itself; address is where the filtering proxy admitted host. */
  inspect(socket: Duplex, host: string, port: number, address: string): void;
}

export interface PathDecision {
  host: string;
  port: number;
  method: string;
  path: string;
  allowed: boolean;
  rule: string;
}

type Tunnel = TLSSocket & { nonoTarget?: { host: string; port: number; address: string } };

export async function createPathInspector(
  endpoints: AllowedEndpoint[],
  sessionId: string,
  onDecision: (decision: PathDecision) => void,
  /** Extra CA to trust upstream (tests' stand-ins); the system's CAs otherwise. */
  ca?: Buffer,
): Promise<PathInspector | undefined> {
  const inspected = endpoints.filter((e) => e.port === 443);
  if (inspected.length === 0) return undefined;
  // Loaded here, not at the top: only a session with path rules on HTTPS hosts needs a CA.
  const { createSessionCa, terminateTls } = await import('./session-ca.js');
  const sessionCa = await createSessionCa(`${sessionId} paths`);
  // Plain HTTP over the TLS socket this side terminates, as the credential routes do.
  const server = createServer((req, res) => {
    const target = (req.socket as Tunnel).nonoTarget!;
    const path = req.url ?? '/';
    const method = req.method ?? 'GET';
    const verdict = pathVerdict(endpoints, target.host, target.port, path);
    if (!verdict || !verdict.allowed) {
      const reason = verdict && !verdict.allowed ? verdict.reason : 'no path rule allows it';
      onDecision({ host: target.host, port: target.port, method, path, allowed: false, rule: reason });
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`nono: ${method} ${path.split('?')[0]} on ${target.host} is not allowed (${reason})\n`);
      return;
    }
    onDecision({ host: target.host, port: target.port, method, path, allowed: true, rule: verdict.rule });
    const upstream = httpsRequest(
      {
        host: target.address,
        servername: target.host,
        port: target.port,
        method,
        path,
        headers: { ...withoutHopByHop(req.headers), host: req.headers.host ?? target.host },
        ...(ca ? { ca } : {}),
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`nono: cannot reach ${target.host} (${(error as NodeJS.ErrnoException).code ?? error.message})\n`);
    });
    req.pipe(upstream);
  });
  // A WebSocket carries any traffic once open, past any path check: not for path-limited hosts.
  server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
    socket.end(`HTTP/1.1 501 ${STATUS_CODES[501]}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
  });
  return {
    caPem: sessionCa.certPem,
    inspects: (host, port) => endpointsFor(inspected, host, port).length > 0,
    inspect: (socket, host, port, address) => {
      terminateTls(sessionCa, socket, host.toLowerCase(), (tls: Tunnel) => {
        tls.nonoTarget = { host: host.toLowerCase(), port, address };
        server.emit('connection', tls);
      });
    },
  };
}
