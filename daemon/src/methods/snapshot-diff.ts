// snapshot.diff: what changed since a snapshot, in the live tree or in a later snapshot.
import type { MethodHandler } from '../rpc/method-handler.js';

export const snapshotDiff: MethodHandler<'snapshot.diff'> = async (params, ctx) => ctx.services.snapshots.diff(params.id, params.to, params.detail);
