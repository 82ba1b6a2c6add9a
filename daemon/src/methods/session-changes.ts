// session.diff, session.rollback and session.verify: what a --snapshot session changed, putting it
// back, and checking its snapshots. A running session is never rolled back: it would write again
// under the restore's feet.
import { isAbsolute, resolve } from 'node:path';
import { NonoError } from '@nono/shared';
import { diffLive, diffManifests } from '../snapshots/diff.js';
import { readManifest } from '../snapshots/manifest.js';
import { restoreSnapshot } from '../snapshots/restore.js';
import { loadTrees } from '../snapshots/session-snapshots.js';
import { verifySnapshot } from '../snapshots/verify.js';
import type { CallContext } from '../rpc/call-context.js';
import type { MethodHandler } from './method-table.js';

/**
 * A session's snapshot record, once its final snapshot (if still being taken) is in. With
 * mustBeStopped, a running session is refused before anything is read.
 */
async function snapshotsOf(ref: string, ctx: CallContext, mustBeStopped = false) {
  const { sessions } = ctx.services;
  const { row, session } = sessions.lookup(ref);
  if (mustBeStopped && session?.live) {
    throw new NonoError('SESSION_RUNNING', `session ${row.name} is still running; nono stop ${row.name} first, then roll it back`, { session: row.id });
  }
  await sessions.snapshotSettled(row.id);
  return { row, store: sessions.snapshotStore, entries: await loadTrees(sessions.snapshotStore, row.id, row.name) };
}

export const sessionDiff: MethodHandler<'session.diff'> = async (params, ctx) => {
  const { store, entries } = await snapshotsOf(params.session, ctx);
  const trees = [];
  for (const entry of entries) {
    const baseline = await readManifest(store, entry.baseline);
    const changes = entry.final ? diffManifests(baseline, await readManifest(store, entry.final)) : await diffLive(store, baseline);
    trees.push({ tree: entry.tree, changes });
  }
  return { trees };
};

export const sessionRollback: MethodHandler<'session.rollback'> = async (params, ctx) => {
  const { row, store, entries } = await snapshotsOf(params.session, ctx, true);
  const wanted = (params.paths ?? []).map((p) => (isAbsolute(p) ? resolve(p) : p));
  const outside = wanted.filter((p) => isAbsolute(p) && !entries.some((e) => p === e.tree || p.startsWith(`${e.tree}/`)));
  if (outside.length > 0) {
    throw new NonoError('PATH_INVALID', `${outside[0]} is outside the snapshot of session ${row.name} (${entries.map((e) => e.tree).join(', ')}); give a path inside it`, { path: outside[0] });
  }
  const trees = [];
  for (const entry of entries) {
    const paths = wanted.filter((p) => !isAbsolute(p) || p === entry.tree || p.startsWith(`${entry.tree}/`));
    if (wanted.length > 0 && paths.length === 0) continue;
    const baseline = await readManifest(store, entry.baseline);
    const changes = await diffLive(store, baseline);
    if (!params.dryRun) await restoreSnapshot(store, baseline, paths.length > 0 ? { paths } : {});
    trees.push({ tree: entry.tree, changes, restored: !params.dryRun });
  }
  return { trees };
};

export const sessionVerify: MethodHandler<'session.verify'> = async (params, ctx) => {
  const { store, entries } = await snapshotsOf(params.session, ctx);
  const snapshots = [];
  for (const entry of entries) {
    for (const id of [entry.baseline, entry.final].filter((m): m is string => m !== null)) {
      const report = await verifySnapshot(store, await readManifest(store, id));
      snapshots.push({ tree: entry.tree, manifest: id, rootMatches: report.rootMatches, problems: report.problems });
    }
  }
  return { ok: snapshots.every((s) => s.rootMatches && s.problems.length === 0), snapshots };
};
