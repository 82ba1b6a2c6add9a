// daemon.status: is it up, where are its files, what can the kernel enforce.
import type { MethodHandler } from '../rpc/method-handler.js';

export const daemonStatus: MethodHandler<'daemon.status'> = async (_params, ctx) => {
  const { services } = ctx;
  return {
    version: services.version,
    pid: process.pid,
    uptimeMs: Date.now() - services.startedAt,
    socket: services.paths.socketPath,
    stateDir: services.paths.stateDir,
    runtimeDir: services.paths.runtimeDir,
    sessions: services.sessions.counts(),
    sandbox: await services.features(),
    warmClients: services.warmClients.status(),
  };
};
