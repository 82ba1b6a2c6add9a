// Daemons started at the same moment (two clients each starting one, as the lifecycle test and
// users' shells do) race for the single-instance lock: exactly one may win, whether the lock is
// absent or names a daemon that died. Real processes on a real file system.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const RACERS = 8;
let dir: string;
let racer: string;

beforeAll(() => {
  dir = mkdtempSync(join('/var/tmp', 'nono-lock-race-'));
  const bundle = join(dir, 'runtime-files.mjs');
  buildSync({
    entryPoints: [join(REPO, 'daemon/src/runtime-files.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: bundle,
    alias: { '@nono/shared/daemon-lock': join(REPO, 'shared/src/daemon-lock.ts'), '@nono/shared': join(REPO, 'shared/src/index.ts') },
    logLevel: 'silent',
  });
  // Named so that its command line says nonod, as the lock's liveness check expects of a holder.
  racer = join(dir, 'nonod-racer.mjs');
  writeFileSync(
    racer,
    `import { acquireLock } from ${JSON.stringify(bundle)};
     const [lock, at] = process.argv.slice(2);
     while (Date.now() < Number(at));
     const holder = acquireLock(lock);
     process.stdout.write(holder === undefined ? 'won' : 'lost');
     if (holder === undefined) setTimeout(() => undefined, 1500);`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function race(lock: string): Promise<string[]> {
  const at = Date.now() + 400;
  const children = Array.from({ length: RACERS }, () => spawn(process.execPath, [racer, lock, String(at)], { stdio: ['ignore', 'pipe', 'inherit'] }));
  return Promise.all(
    children.map(async (child) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await once(child, 'exit');
      return out;
    }),
  );
}

describe('the daemon lock, raced by daemons started together', () => {
  it('has one winner when no lock exists', async () => {
    for (let round = 0; round < 6; round++) {
      const lock = join(dir, `fresh-${round}.lock`);
      const results = await race(lock);
      expect(results.filter((r) => r === 'won'), `round ${round}: ${results.join(' ')}`).toHaveLength(1);
      expect(results.filter((r) => r === 'lost')).toHaveLength(RACERS - 1);
    }
  }, 60_000);

  it('has one winner when the lock names a daemon that died, and leaves no temporary file', async () => {
    for (let round = 0; round < 6; round++) {
      const lock = join(dir, `stale-${round}.lock`);
      const dead = spawn(process.execPath, ['-e', '0']);
      await once(dead, 'exit');
      writeFileSync(lock, String(dead.pid));
      const results = await race(lock);
      expect(results.filter((r) => r === 'won'), `round ${round}: ${results.join(' ')}`).toHaveLength(1);
    }
    expect(readdirSync(dir).filter((name) => name.includes('.tmp') || name.includes('.stale'))).toEqual([]);
  }, 60_000);

  it('is still taken, and still exclusive, on a file system without hard links', async () => {
    // link(2) refused as FUSE and some network file systems refuse it: a real fault, injected.
    const lock = join(dir, 'no-links.lock');
    const racer1 = spawn('strace', ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=link,linkat', '-e', 'inject=link,linkat:error=EPERM', process.execPath, racer, lock, '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let first = '';
    racer1.stdout!.on('data', (d: Buffer) => (first += d.toString()));
    // The winner holds the lock for 1.5 s after saying so; one that failed exits at once.
    await Promise.race([once(racer1.stdout!, 'data'), once(racer1, 'exit')]);
    const second = spawn('strace', ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=link,linkat', '-e', 'inject=link,linkat:error=EPERM', process.execPath, racer, lock, '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    second.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await once(second, 'exit');
    await once(racer1, 'exit');
    expect([first, out]).toEqual(['won', 'lost']);
  }, 30_000);
});
