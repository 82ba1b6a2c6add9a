// The per-connection inbox on in-memory streams: a flood is handled a turn's worth at a time,
// in order, with a bounded number in flight; the peer is paused while a backlog waits and
// resumed once it drains; a closed inbox drops what it had not started.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FairInbox } from '../../src/rpc/fair-inbox.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('FairInbox', () => {
  it('handles a flood in order, a turn at a time, never more than inFlight at once', async () => {
    const stream = new PassThrough();
    const handled: string[] = [];
    let running = 0;
    let peak = 0;
    const inbox = new FairInbox(
      stream,
      async (json) => {
        running++;
        peak = Math.max(peak, running);
        handled.push(json);
        await turn();
        running--;
      },
      { perTurn: 4, inFlight: 6 },
    );
    for (let i = 0; i < 100; i++) inbox.push(String(i));
    expect(handled).toHaveLength(4);
    expect(stream.isPaused()).toBe(true);
    await new Promise<void>((resolve) => inbox.whenIdle(resolve));
    expect(handled).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    expect(peak).toBeLessThanOrEqual(6);
    expect(stream.isPaused()).toBe(false);
  });

  it('drops what was not started once closed', async () => {
    const handled: string[] = [];
    const inbox = new FairInbox(new PassThrough(), async (json) => void handled.push(json), { perTurn: 2, inFlight: 2 });
    for (let i = 0; i < 10; i++) inbox.push(String(i));
    inbox.close();
    inbox.push('late');
    await turn();
    await turn();
    expect(handled).toEqual(['0', '1']);
  });
});
