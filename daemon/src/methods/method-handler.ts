// The shape every RPC method handler has, apart from the table that lists them, so a handler
// file depends on the call context and the protocol types only, never on its siblings.
import type { MethodName, ParamsOf, ResultOf } from '@nono/shared';
import type { CallContext } from '../rpc/call-context.js';

export type MethodHandler<M extends MethodName> = (params: ParamsOf<M>, ctx: CallContext) => Promise<ResultOf<M>>;
