// Progress bars are for people: on a real terminal a snapshot draws one (files, bytes, rate),
// and with --json or without a terminal nothing but the result is printed.
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { NONO_BIN, runCli } from '../support/run-cli.js';
import { openTerminal } from '../support/real-terminal.js';

const ctx = usePrivateDaemon();

function makeTree(name: string): string {
  const tree = join(ctx.world.work, name);
  for (let i = 0; i < 300; i++) {
    mkdirSync(join(tree, `d${i % 10}`), { recursive: true });
    writeFileSync(join(tree, `d${i % 10}`, `f${i}.txt`), `file ${i}\n`.repeat(200));
  }
  return tree;
}

describe('progress bars', () => {
  it('draws files, bytes and rate on a terminal', async () => {
    const tree = makeTree('bar-tree');
    const t = openTerminal(`NONO_PROGRESS_DELAY_MS=0 ${process.execPath} ${NONO_BIN} snapshot create ${tree}`, ctx.world, { cols: 120, rows: 24 });
    expect(await t.exit).toBe(0);
    expect(t.output()).toMatch(/snapshot .*\d+\/300 files \| [\d.]+ MiB of [\d.]+ MiB \| [\d.]+ MiB\/s/);
    expect(t.output()).toMatch(/snapshot \S+ of .*bar-tree: 300 files/);
  });

  it('stays quiet with --json and without a terminal', async () => {
    const tree = makeTree('quiet-tree');
    const r = await runCli(['snapshot', 'create', tree, '--json'], ctx.world, { env: { NONO_PROGRESS_DELAY_MS: '0' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).snapshot.files).toBe(300);
    const plain = await runCli(['snapshot', 'create', tree], ctx.world, { env: { NONO_PROGRESS_DELAY_MS: '0' } });
    expect(plain.stderr).toBe('');
  });
});
