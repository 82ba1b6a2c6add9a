// The client side of the credential bench: small requests and an SSE stream, to a base URL
// (the session's phantom route, or the upstream directly). Prints JSON.
// Usage: node credential-client.mjs BASE_URL KEY COUNT
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

const [base, key, countText] = process.argv.slice(2);
const url = new URL(base);
const secure = url.protocol === 'https:';
const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets: 1 }) : new HttpAgent({ keepAlive: true, maxSockets: 1 });
const send = secure ? httpsRequest : httpRequest;

function call(path, onFirstByte) {
  return new Promise((resolve, reject) => {
    const req = send(new URL(`${url.pathname.replace(/\/$/, '')}${path}`, url), { agent, headers: { authorization: `Bearer ${key}` } }, (res) => {
      let first = true;
      res.on('data', () => {
        if (first) onFirstByte?.();
        first = false;
      });
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
}

const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length - 1) * q))];
const samples = [];
await call('/models');
for (let i = 0; i < Number(countText); i++) {
  const t0 = performance.now();
  await call('/models');
  samples.push(performance.now() - t0);
}
let firstByte = 0;
const t0 = performance.now();
await call('/stream', () => (firstByte = performance.now() - t0));
console.log(JSON.stringify({ p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), n: samples.length, sseFirstByte: firstByte }));
agent.destroy();
