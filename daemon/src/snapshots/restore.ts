// Puts a tree (or some paths of it) back as a snapshot had it. Every step is safe to redo,
// which is what lets an interrupted restore be finished by simply running it again.
import { createHash } from 'node:crypto';
import { chmod, lchown, mkdir, rename, rmdir, symlink, unlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { NonoError, nameToBytes } from '@nono/shared';
import { renameDurably, writeTemp } from './durable-files.js';
import { computeRoot, readManifestFile, takeSnapshot, type Manifest } from './manifest.js';
import type { ObjectStore } from './object-store.js';
import {
  JournalWriter,
  journalFile,
  newGroupFile,
  pendingGroups,
  readJournal,
  removeGroup,
  removeJournal,
  startJournal,
  writeGroup,
  type GroupPlan,
  type JournalPlan,
} from './restore-journal.js';
import { planRestore, resolveScope, type Operation } from './restore-plan.js';
import { pathIn, type FsPath } from './tree-walk.js';

export interface RestoreOptions {
  /** Paths (tree-relative or absolute inside the tree) to restore; all of the tree when empty. */
  paths?: string[];
  /** Called after each operation with how many of the plan's operations are done. */
  onProgress?: (done: number, total: number) => void;
  /** For crash tests: SIGKILL this process once this many operations are journaled. */
  crashAfter?: number;
}

export interface RestoreResult {
  /** Operations of an interrupted earlier restore that this run finished first. */
  resumed: number;
  performed: number;
}

// A restore must never hand a process more privilege than it had; setuid/setgid bits from a
// snapshot are dropped.
const MODE_MASK = 0o7777 & ~0o6000;

export async function restoreSnapshot(store: ObjectStore, manifest: Manifest, options: RestoreOptions = {}): Promise<RestoreResult> {
  const crash = crashHook(options.crashAfter);
  const file = journalFile(store, manifest.tree);
  const pending = await readJournal(file);
  const resumed = pending ? await runJournal(store, file, pending.plan, pending.done, crash, options.onProgress) : 0;

  if (computeRoot(manifest.entries) !== manifest.root) {
    throw new NonoError('SNAPSHOT_CORRUPT', `Snapshot ${manifest.id} of ${manifest.tree} no longer adds up to its Merkle root; its manifest was changed, so nothing was restored from it.`, { id: manifest.id });
  }
  const scope = resolveScope(manifest, options.paths ?? []);
  const operations = await planRestore(store, manifest, scope);
  await checkObjects(store, operations);
  if (operations.length === 0) return { resumed, performed: 0 };
  const plan: JournalPlan = { version: 1, manifest: manifest.id, tree: manifest.tree, operations };
  await startJournal(file, plan);
  const performed = await runJournal(store, file, plan, 0, crash, options.onProgress);
  return { resumed, performed };
}

/** One tree of a restore of several: the snapshot to restore and the paths in it (all when empty). */
export interface TreeRestore {
  manifest: Manifest;
  paths: string[];
}

/** Why a restore of several trees stopped, and what became of the trees it had already done. */
export class GroupRestoreError extends Error {
  constructor(
    readonly failure: unknown,
    readonly tree: string,
    readonly putBack: string[],
    readonly undoFailure?: unknown,
  ) {
    super(`restore of ${tree} failed`);
  }
}

/**
 * Restores several trees as one operation: all of them, or none. Each tree is snapshotted
 * first (cheap: unchanged files come from the stat cache) so that, when a later tree fails,
 * the ones already restored can be put back exactly as they were. Call recoverGroups first.
 */
export async function restoreTogether(store: ObjectStore, requests: TreeRestore[], onProgress?: (done: number, total: number) => void): Promise<RestoreResult[]> {
  const file = newGroupFile(store);
  const plan: GroupPlan = { version: 1, state: 'forward', trees: [] };
  try {
    for (const [index, { manifest }] of requests.entries()) {
      const undo = `${file.slice(0, -'.json'.length)}-undo-${index}.json`;
      // The record names the undo file before it exists, so a crash cannot orphan one.
      plan.trees.push({ tree: manifest.tree, manifest: manifest.id, undo });
      await writeGroup(file, plan);
      await takeSnapshot(store, manifest.tree, { exclude: manifest.exclude, include: manifest.include, manifestFile: undo });
    }
  } catch (err) {
    await removeGroup(file, plan);
    throw err;
  }
  const results: RestoreResult[] = [];
  for (const { manifest, paths } of requests) {
    try {
      results.push(await restoreSnapshot(store, manifest, { paths, ...(onProgress ? { onProgress } : {}) }));
    } catch (err) {
      const putBack = requests.slice(0, results.length + 1).map((r) => r.manifest.tree);
      try {
        await undoGroup(store, file, plan);
      } catch (undoFailure) {
        throw new GroupRestoreError(err, manifest.tree, putBack, undoFailure);
      }
      throw new GroupRestoreError(err, manifest.tree, putBack);
    }
  }
  await removeGroup(file, plan);
  return results;
}

/** Puts every tree of a group back to its undo snapshot, abandoning any forward plan. */
async function undoGroup(store: ObjectStore, file: string, plan: GroupPlan): Promise<void> {
  plan.state = 'undo';
  await writeGroup(file, plan);
  for (const { tree, undo } of plan.trees) {
    await removeJournal(journalFile(store, tree)).catch(ignore('ENOENT'));
    await restoreSnapshot(store, await readManifestFile(undo, 'undo'));
  }
  await removeGroup(file, plan);
}

/**
 * A group the daemon died in the middle of is undone: the caller never heard that it
 * succeeded, and "none" is the half of all-or-nothing that can always be reached.
 */
export async function recoverGroups(store: ObjectStore): Promise<void> {
  for (const { file, plan } of await pendingGroups(store)) {
    const ready = await Promise.all(plan.trees.map(({ undo }) => readManifestFile(undo, 'undo').then(() => true, () => false)));
    // A crash while the undo snapshots were still being taken: nothing was restored yet.
    if (plan.state === 'forward' && ready.includes(false)) await removeGroup(file, plan);
    else await undoGroup(store, file, plan);
  }
}

async function runJournal(
  store: ObjectStore,
  file: string,
  plan: JournalPlan,
  done: number,
  crash: () => void,
  onProgress?: (done: number, total: number) => void,
): Promise<number> {
  const journal = await JournalWriter.append(file);
  try {
    for (let index = done; index < plan.operations.length; index++) {
      const operation = plan.operations[index]!;
      await perform(store, plan.tree, operation).catch((err: NodeJS.ErrnoException) => {
        // The entry being restored names the failure better than a temp file beside it.
        if (!(err instanceof NonoError)) err.path = `${plan.tree}/${operation.path}`;
        throw err;
      });
      await journal.markDone(index);
      onProgress?.(index + 1, plan.operations.length);
      crash();
    }
  } finally {
    await journal.close();
  }
  await removeJournal(file);
  return plan.operations.length - done;
}

/** Refuses the whole restore up front if an object it needs is damaged, before anything is touched. */
async function checkObjects(store: ObjectStore, operations: Operation[]): Promise<void> {
  for (const operation of operations) {
    if (operation.op !== 'write') continue;
    const state = await store.verify(operation.hash);
    if (state !== 'ok') throw damagedObject(store, operation.hash, operation.path, state);
  }
}

function damagedObject(store: ObjectStore, hash: string, path: string, state: string): NonoError {
  return new NonoError(
    'SNAPSHOT_CORRUPT',
    `Snapshot object ${store.pathOf(hash)} needed for ${path} is ${state}; nothing was written for it. Verify the snapshot and restore ${path} from another one.`,
    { hash, path, state },
  );
}

async function perform(store: ObjectStore, tree: string, operation: Operation): Promise<void> {
  const target = pathIn(tree, operation.path);
  const parent = pathIn(tree, posix.dirname(operation.path));
  switch (operation.op) {
    case 'delete':
      return unlink(target).catch(ignore('ENOENT'));
    case 'rmdir':
      // A directory still holding excluded contents (a node_modules) stays: those are not ours.
      return rmdir(target).catch(ignore('ENOENT', 'ENOTEMPTY', 'EEXIST'));
    case 'mkdir':
      // Created writable; its recorded mode comes with the chmods at the end of the plan.
      await mkdir(target, { recursive: true, mode: 0o700 });
      return restoreOwner(target, operation);
    case 'chmod':
      await restoreOwner(target, operation);
      return chmod(target, operation.mode & MODE_MASK);
    case 'symlink': {
      await mkdir(parent, { recursive: true });
      const temp = restoreTempPath(tree, operation.path);
      await unlink(temp).catch(ignore('ENOENT'));
      await symlink(nameToBytes(operation.target), temp);
      await restoreOwner(temp, operation);
      return rename(temp, target);
    }
    case 'write':
      return writeObject(store, operation, parent, target, restoreTempPath(tree, operation.path));
  }
}

/**
 * Gives an entry back its recorded owner. Only root (or the owner, for the group) may, so a
 * daemon without the right keeps the owner it has: the refusal is the kernel's to make.
 */
async function restoreOwner(target: FsPath, owner: { uid?: number; gid?: number }): Promise<void> {
  if (owner.uid === undefined || owner.gid === undefined) return;
  await lchown(target, owner.uid, owner.gid).catch(ignore('EPERM'));
}

/**
 * Copies an object beside its target, checking its hash on the way, and renames it into place
 * with the mode, owner and modification time the snapshot recorded (build tools compare mtimes).
 */
async function writeObject(store: ObjectStore, operation: Extract<Operation, { op: 'write' }>, parent: FsPath, target: FsPath, temp: FsPath): Promise<void> {
  const { hash, path, mode } = operation;
  await mkdir(parent, { recursive: true });
  await writeTemp(
    temp,
    0o600,
    async (out) => {
      const hasher = createHash('sha256');
      for await (const chunk of store.open(hash)) {
        hasher.update(chunk as Buffer);
        await out.write(chunk as Buffer);
      }
      if (hasher.digest('hex') !== hash) throw damagedObject(store, hash, path, 'corrupt');
      if (operation.uid !== undefined && operation.gid !== undefined) await out.chown(operation.uid, operation.gid).catch(ignore('EPERM'));
      await out.chmod(mode & MODE_MASK);
      if (operation.mtime_ns !== undefined) {
        const mtime = Number(BigInt(operation.mtime_ns) / 1000n) / 1e6;
        await out.utimes(mtime, mtime);
      }
    },
    'w',
  );
  await renameDurably(temp, target);
}

// Fixed, not random: a restore redone after a crash overwrites the temp file it left.
function restoreTempPath(tree: string, rel: string): FsPath {
  return pathIn(tree, posix.join(posix.dirname(rel), `.${posix.basename(rel)}.nono-restore`));
}

function ignore(...codes: string[]): (err: NodeJS.ErrnoException) => void {
  return (err) => {
    if (!codes.includes(err.code ?? '')) throw err;
  };
}

function crashHook(limit: number | undefined): () => void {
  if (limit === undefined || limit <= 0) return () => undefined;
  let count = 0;
  return () => {
    if (++count >= limit) process.kill(process.pid, 'SIGKILL');
  };
}
