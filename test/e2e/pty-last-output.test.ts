// The last output of a command on a terminal reaches its client before the exit, every time.
// Linux sometimes answers a read of the PTY master with 0 as the command's side closes while
// its last output is still buffered; node-pty took that for the end and closed the master, so a
// command's last lines went missing at random (one run in five under node-pty alone, about one
// in sixty through nonod). 300 runs of a command that ends right after 16 kB of output (a few
// seconds) make a miss without the fix all but certain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NonoClient } from '@nono/client';
import { usePrivateDaemon } from '../support/daemon-process.js';

const RUNS = 300;

describe('the end of a command on a terminal', () => {
  const ctx = usePrivateDaemon();
  let client: NonoClient;
  beforeAll(async () => {
    client = await connect({ env: ctx.world.env, autoStart: false, clientName: 'pty-last-output.test' });
  });
  afterAll(() => client?.close());

  it(`reaches the client whole, in ${RUNS} runs out of ${RUNS}`, async () => {
    const env = { PATH: ctx.world.env.PATH!, HOME: ctx.world.home, LANG: 'C.UTF-8' };
    const cut: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const run = await client.run({ argv: ['sh', '-c', 'seq 1 3000; echo LAST-LINE'], cwd: ctx.world.work, env, terminal: { rows: 24, cols: 80 } });
      const chunks: Buffer[] = [];
      for await (const event of run) if (event.type === 'output') chunks.push(event.data);
      const text = Buffer.concat(chunks).toString();
      if (!/3000\r\nLAST-LINE\r\n$/.test(text)) cut.push(`run ${i}: ${text.length} bytes, ending ${JSON.stringify(text.slice(-40))}`);
    }
    expect(cut).toEqual([]);
  }, 120_000);
});
