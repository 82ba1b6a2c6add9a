// snapshot.gc: retention, then unreferenced objects and abandoned temp files.
import type { MethodHandler } from '../rpc/method-handler.js';

export const snapshotGc: MethodHandler<'snapshot.gc'> = async (params, ctx) => ctx.services.snapshots.gc(params.dryRun === true);
