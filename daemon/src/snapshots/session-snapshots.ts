// A session's snapshots: a baseline of every writable directory before the command starts and
// a final one after it ends, recorded in a small file per session in the snapshot store, so
// `nono session diff` and `nono session rollback` know which manifests to use.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NonoError, type SandboxPlan } from '@nono/shared';
import { writeFileDurably } from './durable-files.js';
import { takeSnapshot } from './manifest.js';
import type { ObjectStore } from './object-store.js';

export interface SessionTree {
  tree: string;
  baseline: string;
  final: string | null;
}

const recordFile = (store: ObjectStore, sessionId: string) => join(store.root, 'sessions', `${sessionId}.json`);

/** The directories a session can write: the ones worth an undo. The private /tmp is not. */
export function writableTrees(plan: SandboxPlan): string[] {
  return plan.rules
    .filter((r) => (r.kind === 'dir' || r.kind === 'skeleton') && r.access !== 'read' && !r.path.startsWith('/dev') && r.path !== '/tmp')
    .map((r) => r.path)
    .filter((path, _, all) => !all.some((other) => other !== path && path.startsWith(`${other}/`)));
}

export interface SnapshotRules {
  exclude: string[];
  include: string[];
}

export async function snapshotBaseline(store: ObjectStore, sessionId: string, plan: SandboxPlan, rules: SnapshotRules): Promise<SessionTree[]> {
  const trees: SessionTree[] = [];
  for (const tree of writableTrees(plan)) {
    const { manifest } = await takeSnapshot(store, tree, rules);
    trees.push({ tree, baseline: manifest.id, final: null });
  }
  await saveTrees(store, sessionId, trees);
  return trees;
}

export async function snapshotFinal(store: ObjectStore, sessionId: string, rules: SnapshotRules): Promise<void> {
  const trees = await loadTrees(store, sessionId);
  for (const entry of trees) entry.final = (await takeSnapshot(store, entry.tree, rules)).manifest.id;
  await saveTrees(store, sessionId, trees);
}

export async function loadTrees(store: ObjectStore, sessionId: string, name = sessionId): Promise<SessionTree[]> {
  try {
    return JSON.parse(await readFile(recordFile(store, sessionId), 'utf8')) as SessionTree[];
  } catch {
    throw new NonoError('SESSION_NOT_FOUND', `session ${name} has no snapshot; run it with nono run --snapshot to be able to diff and roll back`, { session: sessionId });
  }
}

async function saveTrees(store: ObjectStore, sessionId: string, trees: SessionTree[]): Promise<void> {
  await mkdir(join(store.root, 'sessions'), { recursive: true, mode: 0o700 });
  await writeFileDurably(recordFile(store, sessionId), JSON.stringify(trees, null, 2));
}

