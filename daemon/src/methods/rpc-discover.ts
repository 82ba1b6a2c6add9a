// rpc.discover: the OpenRPC document, generated from the same descriptors that validate params,
// naming this daemon's socket and the secret file a client authenticates with.
import { buildOpenRpcDocument } from '@nono/shared';
import type { MethodHandler } from './method-table.js';

export const rpcDiscover: MethodHandler<'rpc.discover'> = async (_params, ctx) => {
  const { version, paths } = ctx.services;
  return buildOpenRpcDocument(version, { socketPath: paths.socketPath, secretPath: paths.secretPath });
};
