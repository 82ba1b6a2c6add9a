// One HTTPS server standing in for the model APIs the agent CLIs call, each answering with the
// scripted task (task-script.mjs), and recording every request's method, path and headers so a
// test can assert which key arrived. Plain JS so the tests and bench/agents.mjs both load it.
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { answerMessages } from './anthropic-messages.mjs';
import { answerChat } from './openai-chat.mjs';
import { answerGenerate } from './gemini-generate.mjs';
import { answerResponses } from './openai-responses.mjs';

const ROUTES = [
  { match: /^\/v1\/messages(\?|$)/, answer: answerMessages },
  { match: /^\/v1\/chat\/completions(\?|$)/, answer: answerChat },
  { match: /^\/v1\/responses(\?|$)/, answer: answerResponses },
  { match: /^\/v1(beta)?\/models\/[^/:]+:(stream)?[gG]enerateContent(\?|$)/, answer: answerGenerate },
];

/**
 * Listens on host with the given TLS key and certificate, or plain HTTP without them (for an
 * unsandboxed baseline that talks to it directly). `workdir` is where the scripted task writes
 * (the tools take absolute paths); set it before each run.
 */
export async function startStandIn({ host, key, cert }) {
  const standIn = { requests: [], workdir: '/nonexistent', url: '', close: () => new Promise((r) => server.close(() => r())) };
  let turn = 0;
  const handler = (req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      standIn.requests.push({ method: req.method, path: req.url, headers: req.headers });
      const route = req.method === 'POST' && ROUTES.find((r) => r.match.test(req.url ?? ''));
      if (!route) return res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not part of the stand-in"}}');
      let body;
      try {
        body = JSON.parse(raw);
      } catch {
        return res.writeHead(400).end('{"error":{"message":"bad JSON"}}');
      }
      const answer = route.answer(body, standIn.workdir, ++turn, req.url);
      if (answer.json) return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer.json));
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const [event, data] of answer.events) {
        res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
      }
      res.end();
    });
  };
  const server = key ? createHttpsServer({ key, cert }, handler) : createHttpServer(handler);
  await new Promise((resolve) => server.listen(0, host, () => resolve()));
  standIn.url = `${key ? 'https' : 'http'}://${host}:${server.address().port}`;
  return standIn;
}
