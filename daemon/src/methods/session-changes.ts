// session.diff, session.rollback and session.verify: what a --snapshot session changed, putting it
// back, and checking its snapshots. A running session is never rolled back: it would write again
// under the restore's feet.
import { isAbsolute, resolve } from 'node:path';
import { NonoError, type QuarantineFinding } from '@nono/shared';
import { readManifest } from '../snapshots/manifest.js';
import { progressNotifier } from '../rpc/progress-notifier.js';
import type { CallContext } from '../rpc/call-context.js';
import type { MethodHandler } from '../rpc/method-handler.js';

/**
 * A session's snapshot record, once its final snapshot (if still being taken) is in. With
 * mustBeStopped, a running session is refused before anything is read.
 */
async function snapshotsOf(ref: string, ctx: CallContext, mustBeStopped = false) {
  const { sessions, snapshots } = ctx.services;
  const { row, session } = sessions.lookup(ref);
  if (mustBeStopped && session?.live) {
    throw new NonoError('SESSION_RUNNING', `session ${row.name} is still running; nono stop ${row.name} first, then roll it back`, { session: row.id });
  }
  await sessions.snapshotSettled(row.id);
  return { row, snapshots, entries: await snapshots.sessionTrees(row.id, row.name) };
}

export const sessionDiff: MethodHandler<'session.diff'> = async (params, ctx) => {
  const { row, snapshots, entries } = await snapshotsOf(params.session, ctx);
  const trees = [];
  for (const entry of entries) {
    const baseline = await readManifest(snapshots.store, entry.baseline);
    const after = entry.final ? await readManifest(snapshots.store, entry.final) : 'live';
    trees.push({ tree: entry.tree, changes: await snapshots.changesOf(baseline, after, params.detail) });
  }
  return { trees, quarantined: quarantinedBy(row.id, ctx) };
};

/** What the end-of-session sweep moved aside, from the audit log (the record of it). */
function quarantinedBy(session: string, ctx: CallContext): QuarantineFinding[] {
  const { audit } = ctx.services;
  return audit.log.list({ session, kind: 'sandbox.quarantine' }).map((event) => {
    const { kind, path, movedTo, reason } = event.payload as QuarantineFinding;
    return { kind, path, reason, ...(movedTo !== undefined ? { movedTo } : {}) };
  });
}

export const sessionRollback: MethodHandler<'session.rollback'> = async (params, ctx) => {
  const { row, snapshots, entries } = await snapshotsOf(params.session, ctx, true);
  const wanted = (params.paths ?? []).map((p) => (isAbsolute(p) ? resolve(p) : p));
  const outside = wanted.filter((p) => isAbsolute(p) && !entries.some((e) => p === e.tree || p.startsWith(`${e.tree}/`)));
  if (outside.length > 0) {
    throw new NonoError('PATH_INVALID', `${outside[0]} is outside the snapshot of session ${row.name} (${entries.map((e) => e.tree).join(', ')}); give a path inside it`, { path: outside[0] });
  }
  // All the trees are restored as one operation: a failure in one leaves every one as it was.
  const requests = [];
  for (const entry of entries) {
    const paths = wanted.filter((p) => !isAbsolute(p) || p === entry.tree || p.startsWith(`${entry.tree}/`));
    if (wanted.length > 0 && paths.length === 0) continue;
    requests.push({ manifest: await readManifest(snapshots.store, entry.baseline), paths });
  }
  const restored = await snapshots.restore(requests, params.dryRun === true, progressNotifier(ctx, params.progressToken));
  return { trees: restored.map(({ tree, changes }) => ({ tree, changes, restored: !params.dryRun })) };
};

export const sessionVerify: MethodHandler<'session.verify'> = async (params, ctx) => {
  const { snapshots, entries } = await snapshotsOf(params.session, ctx);
  const ids = entries.flatMap((entry) => [entry.baseline, entry.final].filter((m): m is string => m !== null));
  const manifests = await Promise.all(ids.map((id) => readManifest(snapshots.store, id)));
  return snapshots.verify(manifests, progressNotifier(ctx, params.progressToken));
};
