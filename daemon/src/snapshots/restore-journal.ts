// The restore journal: the plan is written (durably) before the tree is touched, then one
// line per finished operation is appended and fsynced. After a crash the next restore reads
// it and finishes the plan, so the tree never stays half old, half new.
//
// A restore of several trees at once (a session rollback) adds a group record above the
// per-tree journals: the trees, the snapshot each is restored to, and an undo snapshot of each
// taken just before. While the group is "forward" the trees are restored one by one; if one
// fails (or the daemon dies) the group turns "undo" and every tree is put back to its undo
// snapshot, so the trees end all restored or all as they were.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDir, writeFileDurably } from './durable-files.js';
import { sha256 } from './hashing.js';
import type { ObjectStore } from './object-store.js';
import type { Operation } from './restore-plan.js';

export interface JournalPlan {
  version: 1;
  manifest: string;
  tree: string;
  operations: Operation[];
}

export interface OpenJournal {
  plan: JournalPlan;
  /** How many operations, from the start of the plan, are known to be done. */
  done: number;
}

export function journalFile(store: ObjectStore, tree: string): string {
  return join(store.root, 'journals', `${sha256(tree).toString('hex')}.jsonl`);
}

export async function readJournal(file: string): Promise<OpenJournal | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const [header, ...marks] = text.split('\n');
  const plan = JSON.parse(header!) as JournalPlan;
  // A torn last line is an operation whose mark did not reach the disk: it is simply redone.
  const done = marks.filter((line) => /^\d+$/.test(line)).length;
  return { plan, done };
}

export async function startJournal(file: string, plan: JournalPlan): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFileDurably(file, `${JSON.stringify(plan)}\n`);
}

export class JournalWriter {
  private constructor(private readonly handle: Awaited<ReturnType<typeof open>>) {}

  static async append(file: string): Promise<JournalWriter> {
    return new JournalWriter(await open(file, 'a'));
  }

  async markDone(index: number): Promise<void> {
    await this.handle.write(`${index}\n`);
    await this.handle.sync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

export async function removeJournal(file: string): Promise<void> {
  await unlink(file);
  await fsyncDir(dirname(file));
}

export interface GroupPlan {
  version: 1;
  state: 'forward' | 'undo';
  /** `undo` is the file of the snapshot each tree is put back to if the group fails. */
  trees: { tree: string; manifest: string; undo: string }[];
}

const GROUP_FILE = /^group-[0-9a-f]+\.json$/;

/** A fresh group record's file; its undo manifests are named after it. */
export function newGroupFile(store: ObjectStore): string {
  return join(store.root, 'journals', `group-${randomBytes(6).toString('hex')}.json`);
}

export async function writeGroup(file: string, plan: GroupPlan): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFileDurably(file, JSON.stringify(plan));
}

/** Group records left by a daemon that died while restoring. */
export async function pendingGroups(store: ObjectStore): Promise<{ file: string; plan: GroupPlan }[]> {
  const dir = join(store.root, 'journals');
  const names = (await readdir(dir).catch(() => [])).filter((name) => GROUP_FILE.test(name));
  return Promise.all(names.map(async (name) => ({ file: join(dir, name), plan: JSON.parse(await readFile(join(dir, name), 'utf8')) as GroupPlan })));
}

/** Drops a finished group: its undo manifests first, then the record that names them. */
export async function removeGroup(file: string, plan: GroupPlan): Promise<void> {
  for (const { undo } of plan.trees) await unlink(undo).catch(() => undefined);
  await removeJournal(file);
}
