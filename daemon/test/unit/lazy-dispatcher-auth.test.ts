// Lazily loaded handlers seen from a connection that has not authenticated: it makes nonod load
// no code and gets UNAUTHENTICATED whatever loading would have done, while an auth.hello sent
// before a call on the same connection still authenticates it, however slowly either loads.
import { describe, expect, it } from 'vitest';
import type { JSONRPCResponse } from 'json-rpc-2.0';
import { createDispatcher } from '../../src/rpc/dispatcher.js';
import { METHOD_TABLE } from '../../src/methods/method-table.js';
import type { CallContext } from '../../src/rpc/call-context.js';
import type { MethodTable } from '../../src/rpc/method-handler.js';

const services = { secret: 'right', paths: { stateDir: '/nonexistent' } };
const context = (): CallContext => ({ authenticated: false, authFailureAudited: true, log: { warn: () => undefined }, services }) as unknown as CallContext;
const tableWith = (replaced: Partial<Record<keyof MethodTable, () => Promise<unknown>>>): MethodTable => ({ ...METHOD_TABLE, ...replaced }) as MethodTable;

describe('lazy handlers before auth.hello', () => {
  it('an unauthenticated call loads nothing and is UNAUTHENTICATED, even where the load would fail', async () => {
    let loads = 0;
    const failing = async () => {
      loads++;
      throw Object.assign(new Error("EMFILE: too many open files, open '/x/policy-groups.js'"), { code: 'EMFILE', path: '/x/policy-groups.js' });
    };
    const dispatcher = createDispatcher(tableWith({ 'policy.groups': failing, 'session.run': failing }));
    for (const method of ['policy.groups', 'session.run']) {
      const reply = (await dispatcher.receive({ jsonrpc: '2.0', id: 1, method, params: {} }, context())) as JSONRPCResponse;
      expect(reply.error?.data).toMatchObject({ kind: 'UNAUTHENTICATED' });
      expect(reply.error?.message).not.toMatch(/nonexistent|policy-groups\.js|load/);
    }
    expect(loads).toBe(0);
  });

  it('a wrong auth.hello pipelined before a call leaves it UNAUTHENTICATED; its handler is never loaded', async () => {
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    let loads = 0;
    const dispatcher = createDispatcher(
      tableWith({
        'auth.hello': async () => {
          await slow;
          return (await METHOD_TABLE['auth.hello']()) as never;
        },
        'daemon.doctor': async () => {
          loads++;
          return async () => ({}) as never;
        },
      }),
    );
    const ctx = context();
    const hello = dispatcher.receive({ jsonrpc: '2.0', id: 1, method: 'auth.hello', params: { token: 'wrong' } }, ctx);
    const doctor = dispatcher.receive({ jsonrpc: '2.0', id: 2, method: 'daemon.doctor', params: {} }, ctx);
    release();
    const [helloReply, doctorReply] = (await Promise.all([hello, doctor])) as JSONRPCResponse[];
    expect(helloReply!.error?.data).toMatchObject({ kind: 'UNAUTHENTICATED' });
    expect(doctorReply!.error?.data).toMatchObject({ kind: 'UNAUTHENTICATED' });
    expect(loads).toBe(0);
  });

  it('a right auth.hello whose load is slow authenticates an already loaded call pipelined behind it', async () => {
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const dispatcher = createDispatcher(
      tableWith({
        'auth.hello': async () => {
          await slow;
          return (await METHOD_TABLE['auth.hello']()) as never;
        },
        'daemon.status': async () => async () => ({ ok: true }) as never,
      }),
    );
    // daemon.status loaded first on another, authenticated connection.
    const other = context();
    other.authenticated = true;
    await dispatcher.receive({ jsonrpc: '2.0', id: 1, method: 'daemon.status', params: {} }, other);
    const ctx = context();
    const hello = dispatcher.receive({ jsonrpc: '2.0', id: 1, method: 'auth.hello', params: { token: 'right' } }, ctx);
    const status = dispatcher.receive({ jsonrpc: '2.0', id: 2, method: 'daemon.status', params: {} }, ctx);
    release();
    const [helloReply, statusReply] = (await Promise.all([hello, status])) as JSONRPCResponse[];
    expect(helloReply!.error).toBeUndefined();
    expect(statusReply!.error).toBeUndefined();
  });
});
