// A session on pipes is signalled as a process group named after the helper's pid. Once the
// helper is collected and its group empty, while a setsid'd child it left still holds stdout
// (so the session goes on), that pid may be handed to an unrelated process: stopping the
// session must not signal that process's group. Real processes; the pid is steered to the
// freed one through ns_last_pid (root), as an attacker cycling pids would.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { launchOnPipes } from '../../src/sessions/sandbox-process.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('launchOnPipes, stopping a session whose helper is gone', () => {
  it('leaves alone an unrelated process group that now has the helper\'s pid', async () => {
    let victim: ChildProcess | undefined;
    for (let attempt = 0; attempt < 10 && victim === undefined; attempt++) {
      const session = launchOnPipes(
        { helper: '/bin/sh', helperArgs: ['-c', 'setsid sleep 3 & exit 0'], argv: ['x'], cwd: '/', env: { PATH: '/usr/bin:/bin' } },
        Buffer.from(''),
        { output: () => undefined, exit: () => undefined },
      );
      const freed = session.pid;
      while (alive(freed)) await sleep(20);
      writeFileSync('/proc/sys/kernel/ns_last_pid', String(freed - 1));
      const candidate = spawn('/usr/bin/setsid', ['sleep', '30'], { stdio: 'ignore' });
      // Another process of the machine may have taken the pid first: try again.
      if (candidate.pid !== freed) {
        candidate.kill('SIGKILL');
        continue;
      }
      victim = candidate;
      await sleep(100);
      session.kill('SIGKILL');
    }
    expect(victim, 'the freed pid never reached the unrelated process').toBeDefined();
    await sleep(300);
    expect(alive(victim!.pid!)).toBe(true);
    victim!.kill('SIGKILL');
    await once(victim!, 'exit');
  }, 30_000);
});
