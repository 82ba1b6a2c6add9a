// The client side of the network-proxy bench, run directly and inside a proxied sandbox:
// HTTPS to a local server, through a CONNECT tunnel when HTTPS_PROXY is set. Prints JSON.
// Usage: node proxy-client.mjs download|latency|concurrent HOST PORT CA_FILE [N]
import { request } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';

const [mode, host, portText, caFile, countText] = process.argv.slice(2);
const port = Number(portText);
const ca = readFileSync(caFile);
const proxy = process.env.HTTPS_PROXY ? new URL(process.env.HTTPS_PROXY) : undefined;
// SNI may not carry an address (RFC 6066); the certificate names the address instead.
const servername = isIP(host) ? undefined : host;

/** A TLS socket to the server: straight, or through one CONNECT tunnel. */
function open() {
  return new Promise((resolve, reject) => {
    if (!proxy) {
      const socket = tlsConnect({ host, port, ca, servername }, () => resolve(socket));
      socket.on('error', reject);
      return;
    }
    const auth = `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
    const req = request({ host: proxy.hostname, port: Number(proxy.port), method: 'CONNECT', path: `${host}:${port}`, headers: { 'proxy-authorization': auth } });
    req.on('connect', (res, raw) => {
      if (res.statusCode !== 200) return reject(new Error(`CONNECT answered ${res.statusCode}`));
      const socket = tlsConnect({ socket: raw, ca, servername, host }, () => resolve(socket));
      socket.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** One HTTP/1.1 request on an open TLS socket; resolves with the body length. */
function get(socket, path) {
  return new Promise((resolve, reject) => {
    let header = Buffer.alloc(0);
    let remaining;
    let received = 0;
    const onData = (chunk) => {
      if (remaining === undefined) {
        header = Buffer.concat([header, chunk]);
        const end = header.indexOf('\r\n\r\n');
        if (end < 0) return;
        remaining = Number(/content-length: (\d+)/i.exec(header.subarray(0, end).toString())?.[1] ?? 0);
        chunk = header.subarray(end + 4);
      }
      received += chunk.length;
      if (received >= remaining) {
        socket.off('data', onData);
        socket.off('error', reject);
        resolve(received);
      }
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  });
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * q))];
};

if (mode === 'download') {
  const socket = await open();
  const t0 = performance.now();
  const bytes = await get(socket, '/big');
  console.log(JSON.stringify({ ms: performance.now() - t0, bytes }));
  socket.destroy();
} else if (mode === 'latency') {
  const socket = await open();
  const samples = [];
  for (let i = 0; i < Number(countText ?? 500); i++) {
    const t0 = performance.now();
    await get(socket, '/small');
    samples.push(performance.now() - t0);
  }
  console.log(JSON.stringify({ p50: quantile(samples, 0.5), p90: quantile(samples, 0.9), n: samples.length }));
  socket.destroy();
} else if (mode === 'concurrent') {
  const count = Number(countText ?? 200);
  const results = await Promise.allSettled(
    Array.from({ length: count }, async () => {
      const socket = await open();
      await get(socket, '/small');
      // Held open a moment so all tunnels exist at once.
      await new Promise((r) => setTimeout(r, 500));
      socket.destroy();
    }),
  );
  console.log(JSON.stringify({ ok: results.filter((r) => r.status === 'fulfilled').length, count }));
}
