// Puts a tree (or some paths of it) back as a snapshot had it. Every step is safe to redo,
// which is what lets an interrupted restore be finished by simply running it again.
import { createHash } from 'node:crypto';
import { chmod, mkdir, rename, rmdir, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { NonoError } from '@nono/shared';
import { renameDurably, writeTemp } from './durable-files.js';
import { computeRoot, type Manifest } from './manifest.js';
import type { ObjectStore } from './object-store.js';
import { JournalWriter, journalFile, readJournal, removeJournal, startJournal, type JournalPlan } from './restore-journal.js';
import { planRestore, resolveScope, type Operation } from './restore-plan.js';

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
      await perform(store, plan.tree, plan.operations[index]!);
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
  const target = join(tree, operation.path);
  switch (operation.op) {
    case 'delete':
      return unlink(target).catch(ignore('ENOENT'));
    case 'rmdir':
      // A directory still holding excluded contents (a node_modules) stays: those are not ours.
      return rmdir(target).catch(ignore('ENOENT', 'ENOTEMPTY', 'EEXIST'));
    case 'mkdir':
      await mkdir(target, { recursive: true });
      return chmod(target, operation.mode & MODE_MASK);
    case 'chmod':
      return chmod(target, operation.mode & MODE_MASK);
    case 'symlink': {
      await mkdir(dirname(target), { recursive: true });
      const temp = restoreTempPath(target);
      await unlink(temp).catch(ignore('ENOENT'));
      await symlink(operation.target, temp);
      return rename(temp, target);
    }
    case 'write':
      return writeObject(store, operation, target);
  }
}

/**
 * Copies an object beside its target, checking its hash on the way, and renames it into place
 * with the mode and modification time the snapshot recorded (build tools compare mtimes).
 */
async function writeObject(store: ObjectStore, operation: Extract<Operation, { op: 'write' }>, target: string): Promise<void> {
  const { hash, path, mode } = operation;
  await mkdir(dirname(target), { recursive: true });
  const temp = restoreTempPath(target);
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
function restoreTempPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.nono-restore`);
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
