// Progress of a long call goes to the connection that made it, as `progress` notifications
// tagged with the caller's token, at most ten a second so a fast restore does not flood it.
import type { ProgressSink, ProgressUpdate } from '../snapshots/snapshot-service.js';
import type { CallContext } from './call-context.js';

const INTERVAL_MS = 100;

export function progressNotifier(ctx: CallContext, token: string | undefined): ProgressSink | undefined {
  if (token === undefined) return undefined;
  let last = 0;
  return (update: ProgressUpdate) => {
    const now = Date.now();
    const finished = update.totalFiles !== null && update.files >= update.totalFiles;
    if (now - last < INTERVAL_MS && !finished) return;
    last = now;
    ctx.client.notify('progress', { token, ...update });
  };
}
