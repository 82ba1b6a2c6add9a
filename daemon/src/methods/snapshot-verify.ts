// snapshot.verify: re-hashes the objects of one snapshot, or of every snapshot in the store.
import { progressNotifier } from '../rpc/progress-notifier.js';
import type { MethodHandler } from '../rpc/method-handler.js';

export const snapshotVerify: MethodHandler<'snapshot.verify'> = async (params, ctx) => {
  const { snapshots } = ctx.services;
  const manifests = params.id === undefined ? await snapshots.allManifests() : [(await snapshots.resolve(params.id)).manifest];
  return snapshots.verify(manifests, progressNotifier(ctx, params.progressToken));
};
