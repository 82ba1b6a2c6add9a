// `nono snapshot …`: snapshots taken outside sessions, and the store they all live in.
import type { Command } from 'commander';
import { registerSnapshotCreate } from './snapshot-create.js';
import { registerSnapshotList } from './snapshot-list.js';
import { registerSnapshotShow } from './snapshot-show.js';
import { registerSnapshotDiff } from './snapshot-diff.js';
import { registerSnapshotRestore } from './snapshot-restore.js';
import { registerSnapshotVerify } from './snapshot-verify.js';
import { registerSnapshotGc } from './snapshot-gc.js';

export function registerSnapshot(program: Command): void {
  const snapshot = program.command('snapshot').description('Take, list, restore, verify and collect snapshots');
  for (const register of [registerSnapshotCreate, registerSnapshotList, registerSnapshotShow, registerSnapshotDiff, registerSnapshotRestore, registerSnapshotVerify, registerSnapshotGc]) {
    register(snapshot);
  }
}
