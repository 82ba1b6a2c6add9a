// Handlers are imported on their method's first call: calls still start in the order they
// arrived, and a handler that cannot be loaded fails its call with one line and a stable kind.
import { describe, expect, it } from 'vitest';
import type { JSONRPCResponse } from 'json-rpc-2.0';
import { createDispatcher } from '../../src/rpc/dispatcher.js';
import { METHOD_TABLE } from '../../src/methods/method-table.js';
import type { CallContext } from '../../src/rpc/call-context.js';
import type { MethodTable } from '../../src/rpc/method-handler.js';

const services = { secret: 'right', paths: { stateDir: '/nonexistent' } };
const context = (): CallContext => ({ authenticated: false, log: { warn: () => undefined }, services }) as unknown as CallContext;

/** The daemon's table with some handlers replaced. */
const tableWith = (replaced: Partial<Record<keyof MethodTable, () => Promise<unknown>>>): MethodTable => ({ ...METHOD_TABLE, ...replaced }) as MethodTable;

describe('lazily loaded handlers', () => {
  it('answers the first call of a method once its module is loaded', async () => {
    const dispatcher = createDispatcher(METHOD_TABLE);
    const reply = (await dispatcher.receive({ jsonrpc: '2.0', id: 1, method: 'auth.hello', params: { token: 'right', client: 'test' } }, context())) as JSONRPCResponse;
    expect(reply.error).toBeUndefined();
    expect(reply.result).toMatchObject({ protocol: expect.any(Number) });
  });

  it('starts a call that arrives while an earlier one is loading after it: a pipelined auth.hello authenticates the call behind it', async () => {
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const dispatcher = createDispatcher(
      tableWith({
        'auth.hello': async () => {
          await slow;
          return async (_params: unknown, ctx: CallContext) => {
            order.push('auth.hello');
            ctx.authenticated = true;
            return { version: 'test', pid: 1, protocol: 1 };
          };
        },
        'daemon.status': async () => async () => {
          order.push('daemon.status');
          return {};
        },
      }),
    );
    const ctx = context();
    const hello = dispatcher.receive({ jsonrpc: '2.0', id: 1, method: 'auth.hello', params: { token: 'right' } }, ctx);
    const status = dispatcher.receive({ jsonrpc: '2.0', id: 2, method: 'daemon.status', params: {} }, ctx);
    release();
    const [helloReply, statusReply] = (await Promise.all([hello, status])) as JSONRPCResponse[];
    expect(helloReply!.error).toBeUndefined();
    expect(statusReply!.error).toBeUndefined();
    expect(order).toEqual(['auth.hello', 'daemon.status']);
  });

  it('fails a call whose handler cannot be loaded with METHOD_UNAVAILABLE in one line, and tries again on the next call', async () => {
    let attempts = 0;
    const dispatcher = createDispatcher(
      tableWith({
        'auth.hello': async () => {
          attempts++;
          throw new Error("Cannot find module '/x/auth-hello.js'\n    at somewhere");
        },
      }),
    );
    for (const id of [1, 2]) {
      const reply = (await dispatcher.receive({ jsonrpc: '2.0', id, method: 'auth.hello', params: { token: 'right' } }, context())) as JSONRPCResponse;
      expect(reply.error?.data).toMatchObject({ kind: 'METHOD_UNAVAILABLE', method: 'auth.hello' });
      expect(reply.error?.message).toMatch(/^auth\.hello: nonod could not load the code that serves it \(Cannot find module '\/x\/auth-hello\.js'\); reinstall nono/);
      expect(reply.error?.message).not.toContain('\n');
    }
    expect(attempts).toBe(2);
  });

  it('names a load that ran out of file descriptors TOO_MANY_OPEN_FILES, saying it lasts until a restart', async () => {
    const dispatcher = createDispatcher(
      tableWith({
        'policy.groups': async () => {
          throw Object.assign(new Error("EMFILE: too many open files, open '/x/policy-groups.js'"), { code: 'EMFILE', syscall: 'open', path: '/x/policy-groups.js' });
        },
      }),
    );
    const ctx = context();
    ctx.authenticated = true;
    const reply = (await dispatcher.receive({ jsonrpc: '2.0', id: 1, method: 'policy.groups', params: {} }, ctx)) as JSONRPCResponse;
    expect(reply.error?.data).toMatchObject({ kind: 'TOO_MANY_OPEN_FILES', path: '/x/policy-groups.js' });
    expect(reply.error?.message).toMatch(/^loading policy\.groups failed at .*policy-groups\.js.*until it restarts/);
  });
});
