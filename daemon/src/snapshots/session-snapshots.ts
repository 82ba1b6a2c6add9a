// A session's snapshots: a baseline of every writable directory before the command starts and
// a final one after it ends, recorded in a small file per session in the snapshot store, so
// `nono session diff` and `nono session rollback` know which manifests to use.
import { mkdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { NonoError, type SandboxPlan } from '@nono/shared';
import { writeFileDurably } from './durable-files.js';
import type { ObjectStore } from './object-store.js';

export interface SessionTree {
  tree: string;
  baseline: string;
  final: string | null;
}

/** Takes one snapshot of `tree` for the session and returns its manifest id. */
export type TakeSessionSnapshot = (tree: string, role: 'baseline' | 'final') => Promise<string>;

const recordFile = (store: ObjectStore, sessionId: string) => join(store.root, 'sessions', `${sessionId}.json`);

/** The directories a session can write: the ones worth an undo. The private /tmp is not. */
export function writableTrees(plan: SandboxPlan): string[] {
  return plan.rules
    .filter((r) => (r.kind === 'dir' || r.kind === 'skeleton') && r.access !== 'read' && !r.path.startsWith('/dev') && r.path !== '/tmp')
    .map((r) => r.path)
    .filter((path, _, all) => !all.some((other) => other !== path && path.startsWith(`${other}/`)));
}

export async function snapshotBaseline(store: ObjectStore, sessionId: string, plan: SandboxPlan, take: TakeSessionSnapshot): Promise<SessionTree[]> {
  const trees: SessionTree[] = [];
  for (const tree of writableTrees(plan)) trees.push({ tree, baseline: await take(tree, 'baseline'), final: null });
  await saveTrees(store, sessionId, trees);
  return trees;
}

export async function snapshotFinal(store: ObjectStore, sessionId: string, take: TakeSessionSnapshot): Promise<void> {
  const trees = await loadTrees(store, sessionId);
  for (const entry of trees) entry.final = await take(entry.tree, 'final');
  await saveTrees(store, sessionId, trees);
}

export async function loadTrees(store: ObjectStore, sessionId: string, name = sessionId): Promise<SessionTree[]> {
  try {
    return JSON.parse(await readFile(recordFile(store, sessionId), 'utf8')) as SessionTree[];
  } catch {
    throw new NonoError('SNAPSHOT_NOT_FOUND', `session ${name} has no snapshot; run it with nono run --snapshot to be able to diff and roll back`, { session: sessionId });
  }
}

/** Forgets a session's record once gc has deleted its snapshots. */
export async function removeTrees(store: ObjectStore, sessionId: string): Promise<void> {
  await unlink(recordFile(store, sessionId)).catch(() => undefined);
}

async function saveTrees(store: ObjectStore, sessionId: string, trees: SessionTree[]): Promise<void> {
  await mkdir(join(store.root, 'sessions'), { recursive: true, mode: 0o700 });
  await writeFileDurably(recordFile(store, sessionId), JSON.stringify(trees, null, 2));
}
