// The restore journal: the plan is written (durably) before the tree is touched, then one
// line per finished operation is appended and fsynced. After a crash the next restore reads
// it and finishes the plan, so the tree never stays half old, half new.
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
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
