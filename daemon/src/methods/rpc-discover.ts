// rpc.discover: the OpenRPC document, generated from the same descriptors that validate params.
import { buildOpenRpcDocument } from '@nono/shared';
import type { MethodHandler } from './method-table.js';

export const rpcDiscover: MethodHandler<'rpc.discover'> = async (_params, ctx) => buildOpenRpcDocument(ctx.services.version);
