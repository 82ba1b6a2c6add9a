// How learn fails and how it stops: a command that does not exist and a missing strace are
// errors before anything runs; a time limit or a cancel ends every traced process (even one
// that left the process group) and returns what was seen so far, marked partial.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { failure } from '../../../test/support/nono-failure.js';
import { learn } from '../../src/index.js';

let world: string;
const env = () => ({ PATH: '/usr/bin:/bin', HOME: join(world, 'home') });

beforeAll(() => {
  world = realpathSync(mkdtempSync('/var/tmp/nono-learn-err-'));
  mkdirSync(join(world, 'home'));
  mkdirSync(join(world, 'run'));
  writeFileSync(join(world, 'seen.txt'), 'seen');
});
afterAll(() => rmSync(world, { recursive: true, force: true }));

/** Alive and not a zombie waiting for a reaper. */
function alive(pid: number): boolean {
  const status = `/proc/${pid}/status`;
  return existsSync(status) && !/^State:\s+Z/m.test(readFileSync(status, 'utf8'));
}

describe('learn errors and limits', () => {
  it('refuses a command that is not on PATH', async () => {
    const error = await failure(learn(['no-such-command-xyz', '--flag'], { cwd: world, env: env() }));
    expect(error.kind).toBe('COMMAND_INVALID');
    expect(error.message).toContain('no-such-command-xyz');
  });

  it('refuses an empty command', async () => {
    expect((await failure(learn([], { cwd: world, env: env() }))).kind).toBe('COMMAND_INVALID');
  });

  it('says how to install strace when it is missing', async () => {
    const error = await failure(learn(['true'], { cwd: world, env: env(), stracePath: join(world, 'bin', 'strace') }));
    expect(error.kind).toBe('LEARN_UNAVAILABLE');
    expect(error.message).toContain('install strace (apt-get install strace)');
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it('stops at the time limit, kills the whole traced tree and keeps what it saw', async () => {
    const script = `cat seen.txt > /dev/null; setsid sh -c 'echo $$ > run/escaped.pid; exec sleep 300' & sleep 300`;
    const started = Date.now();
    const result = await learn(['sh', '-c', script], { cwd: world, env: env(), timeoutSeconds: 1, noRdns: true });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result).toMatchObject({ partial: true, reason: 'timeout after 1 s' });
    expect(result.paths.map((p) => p.path)).toContain(join(world, 'seen.txt'));
    const escaped = Number(readFileSync(join(world, 'run', 'escaped.pid'), 'utf8'));
    expect(alive(escaped)).toBe(false);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const result = await learn(['sleep', '300'], { cwd: world, env: env(), signal: controller.signal, noRdns: true });
    expect(result).toMatchObject({ partial: true, reason: 'cancelled' });
  });
});
