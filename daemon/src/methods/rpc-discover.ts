// rpc.discover: the OpenRPC document, generated from the same descriptors that validate params,
// naming this daemon's socket and the secret file a client authenticates with. Built once per
// daemon: it cannot change while the daemon runs, and it is the largest reply there is.
import { buildOpenRpcDocument, type OpenRpcDocument } from '@nono/shared';
import type { DaemonServices } from '../rpc/call-context.js';
import type { MethodHandler } from './method-handler.js';

const built = new WeakMap<DaemonServices, OpenRpcDocument>();

export const rpcDiscover: MethodHandler<'rpc.discover'> = async (_params, ctx) => {
  const { services } = ctx;
  let document = built.get(services);
  if (!document) {
    document = buildOpenRpcDocument(services.version, { socketPath: services.paths.socketPath, secretPath: services.paths.secretPath });
    built.set(services, document);
  }
  return document;
};
