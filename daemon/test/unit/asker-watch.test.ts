// Watching the process that asked for a file: its exit aborts the watch (the question is then
// withdrawn), a pid not to be found is gone where pids are the host's and unwatched elsewhere.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { watchAsker } from '../../src/approvals/asker-watch.js';

describe('asker watch', () => {
  it('aborts once the asking process exits, and not before', async () => {
    const child = spawn('sleep', ['30']);
    await once(child, 'spawn');
    const watch = watchAsker(child.pid!, true);
    await new Promise((r) => setTimeout(r, 300));
    expect(watch.signal.aborted).toBe(false);
    child.kill('SIGKILL');
    await once(child, 'exit');
    await once(watch.signal, 'abort');
    expect(watch.signal.reason).toBe(`process ${child.pid} exited`);
  });

  it("takes a pid it cannot see as gone only when pids are the host's", () => {
    const unseen = 2 ** 22 + 17;
    expect(watchAsker(unseen, true).signal.aborted).toBe(true);
    const elsewhere = watchAsker(unseen, false);
    expect(elsewhere.signal.aborted).toBe(false);
    elsewhere.stop();
  });
});
