// Every RPC method and the handler that serves it, in one table (tmux's cmd_table[]).
// A method missing here fails the build, because the table is typed against METHODS.
import type { MethodName, ParamsOf, ResultOf } from '@nono/shared';
import type { CallContext } from '../rpc/call-context.js';
import { authHello } from './auth-hello.js';
import { daemonStatus } from './daemon-status.js';
import { daemonStop } from './daemon-stop.js';
import { sessionRun } from './session-run.js';
import { sessionInput } from './session-input.js';
import { sessionResize } from './session-resize.js';
import { sessionSignal } from './session-signal.js';
import { sessionList } from './session-list.js';
import { rpcDiscover } from './rpc-discover.js';

export type MethodHandler<M extends MethodName> = (params: ParamsOf<M>, ctx: CallContext) => Promise<ResultOf<M>>;

export const METHOD_TABLE: { [M in MethodName]: MethodHandler<M> } = {
  'auth.hello': authHello,
  'daemon.status': daemonStatus,
  'daemon.stop': daemonStop,
  'session.run': sessionRun,
  'session.input': sessionInput,
  'session.resize': sessionResize,
  'session.signal': sessionSignal,
  'session.list': sessionList,
  'rpc.discover': rpcDiscover,
};
