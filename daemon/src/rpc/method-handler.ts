// The shape every RPC method handler has and of the table that lists them, beside the dispatcher
// that calls them: methods/ builds on rpc/, and the daemon hands the table to the dispatcher,
// so rpc/ never imports a handler and a handler never imports the table.
import type { MethodName, ParamsOf, RawJson, ResultOf } from '@nono/shared';
import type { CallContext } from './call-context.js';

/** Resolves to the result, or to the result's JSON when the handler keeps it serialised (RawJson). */
export type MethodHandler<M extends MethodName> = (params: ParamsOf<M>, ctx: CallContext) => Promise<ResultOf<M> | RawJson>;

/** Imports a method's handler; called on the method's first call only. */
export type LoadHandler<M extends MethodName> = () => Promise<MethodHandler<M>>;

/** One handler loader for each method the protocol names. */
export type MethodTable = { [M in MethodName]: LoadHandler<M> };
