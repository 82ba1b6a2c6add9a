// The daemon's one owner of the snapshot store: every snapshot, restore, verify and gc goes
// through here, so the store lock, the per-tree restore guard and the SQLite records cannot
// be bypassed by one caller and not another.
import { readdir, unlink } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Logger } from 'pino';
import type { AuditInput } from '../audit/event-kinds.js';
import { NonoError, wireName, type ResultOf, type SandboxPlan } from '@nono/shared';
import type { SnapshotIndex, SnapshotInfo } from '../database/snapshot-index.js';
import type { DetailLevel } from './change-detail.js';
import { diffLive, diffManifests } from './diff.js';
import { countReferences, referencedBytes, sweep, takeCensus, type SweepResult } from './garbage-collect.js';
import { readManifest, takeSnapshot, type Manifest, type SnapshotOrigin } from './manifest.js';
import { ObjectStore } from './object-store.js';
import { journalFile, readJournal } from './restore-journal.js';
import { GroupRestoreError, recoverGroups, restoreSnapshot, restoreTogether, type RestoreResult, type TreeRestore } from './restore.js';
import { namingOutsideFailures, outsideFailure } from '../outside-failures.js';
import { readRetention } from './retention-config.js';
import { loadTrees, removeTrees, snapshotBaseline, snapshotFinal, writableTrees, type SessionTree } from './session-snapshots.js';
import { ObjectStoreLock } from './object-store-lock.js';
import { verifySnapshot } from './verify.js';

export interface ProgressUpdate {
  phase: string;
  files: number;
  bytes: number;
  totalFiles: number | null;
  totalBytes: number | null;
}

export type ProgressSink = (update: ProgressUpdate) => void;

export interface SnapshotRules {
  exclude: string[];
  include: string[];
}

export interface SnapshotServiceOptions {
  root: string;
  index: SnapshotIndex;
  configDir: string;
  /** Sessions still running keep their snapshots whatever the retention policy says. */
  isLive(sessionId: string): boolean;
  log: Logger;
  record(event: AuditInput): void;
}

/** A change as clients get it: the path as text, and its bytes too when they are not UTF-8. */
export type ChangeRecord = ResultOf<'snapshot.diff'>['changes'][number];

export interface SnapshotMeta {
  label?: string;
  name?: string;
  tags?: string[];
  origin: SnapshotOrigin;
}

export interface GcResult extends SweepResult {
  removedSnapshots: string[];
  dryRun: boolean;
}

export class SnapshotService {
  readonly store: ObjectStore;
  private readonly lock = new ObjectStoreLock();
  private readonly restoring = new Set<string>();

  constructor(private readonly options: SnapshotServiceOptions) {
    this.store = new ObjectStore(options.root);
  }

  /**
   * What a daemon killed mid-snapshot left: copies in objects/incoming/ and manifest temp files
   * (`.ID.json.PID-HEX.tmp`), which nothing reads and only a manual gc removed. Called once at
   * start (this daemon holds the single-instance lock), under the store's exclusive lock so no
   * snapshot of this daemon's own is under way.
   */
  removeAbandoned(): Promise<number> {
    return this.lock.exclusive(() => this.dropAbandoned());
  }

  private async dropAbandoned(): Promise<number> {
    let removed = 0;
    const drop = async (dir: string, keep: (name: string) => boolean): Promise<void> => {
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (keep(name)) continue;
        await unlink(join(dir, name)).then(() => removed++, () => undefined);
      }
    };
    await drop(this.store.incomingDir, () => false);
    await drop(join(this.store.root, 'manifests'), (name) => !(name.startsWith('.') && name.endsWith('.tmp')));
    if (removed > 0) this.options.log.info({ removed }, 'removed what an interrupted snapshot left');
    return removed;
  }

  async create(path: string, rules: SnapshotRules, meta: SnapshotMeta, progress?: ProgressSink): Promise<{ info: SnapshotInfo; filesHashed: number; filesCached: number }> {
    if (!isAbsolute(path)) throw new NonoError('PATH_INVALID', `${path} is not absolute; pass the directory's full path.`, { path });
    if (meta.name !== undefined) this.assertNameFree(meta.name, [path]);
    return this.lock.shared(async () => {
      let totals = { files: 0, bytes: 0 };
      // A write that fails reports no path; during a snapshot only the store is written.
      const result = await namingOutsideFailures(`snapshot of ${path}`, this.store.root, () => takeSnapshot(this.store, path, {
        ...rules,
        ...(meta.label !== undefined ? { label: meta.label } : {}),
        ...(meta.name !== undefined ? { name: meta.name } : {}),
        ...(meta.tags !== undefined ? { tags: meta.tags } : {}),
        origin: meta.origin,
        progress: progress && {
          listed: (files, bytes) => {
            totals = { files, bytes };
            progress({ phase: 'snapshot', files: 0, bytes: 0, totalFiles: files, totalBytes: bytes });
          },
          read: (files, bytes) => progress({ phase: 'snapshot', files, bytes, totalFiles: totals.files, totalBytes: totals.bytes }),
        },
      }));
      const info = infoOf(result.manifest);
      // Checked again: another create of the same name may have finished while this one hashed.
      if (meta.name !== undefined) this.assertNameFree(meta.name, [path]);
      this.options.index.insert(info);
      this.options.record({
        kind: 'snapshot.create',
        session: info.session,
        payload: { snapshotId: info.id, tree: info.tree, role: info.role, files: info.files, root: info.root },
      });
      return { info, filesHashed: result.filesHashed, filesCached: result.filesCached };
    });
  }

  async list(filter: { tree?: string; session?: string } = {}): Promise<SnapshotInfo[]> {
    await this.reindex();
    return this.options.index.list(filter);
  }

  /** Refuses a name already given to a snapshot of one of these trees: names are unique per tree. */
  assertNameFree(name: string, trees: string[]): void {
    for (const tree of trees) {
      const [taken] = this.options.index.byName(name, tree);
      if (taken) {
        throw new NonoError('SNAPSHOT_NAME_TAKEN', `snapshot ${taken.id} of ${tree} is already named ${name}; pick another name, or tag it instead (--tag may repeat)`, { id: taken.id, tree });
      }
    }
  }

  /**
   * A snapshot by reference, with its manifest. A reference is tried as an exact id, a name,
   * a tag (its newest snapshot), then an id prefix, so `restore pre-refactor` means the name
   * even when some id happens to start with those letters.
   */
  async resolve(ref: string): Promise<{ info: SnapshotInfo; manifest: Manifest }> {
    const found = await this.resolveAll(ref);
    if (found.length > 1) {
      throw new NonoError('SNAPSHOT_NOT_FOUND', `${ref} names snapshots of several directories (${found.map((f) => f.info.tree).join(', ')}); give the id of one (nono snapshot list)`, { id: ref });
    }
    return found[0]!;
  }

  /**
   * Every snapshot a reference stands for: one, except for a name that a --snapshot run gave
   * to the baselines of each of its writable directories, which names them all.
   */
  async resolveAll(ref: string): Promise<{ info: SnapshotInfo; manifest: Manifest }[]> {
    let found = this.lookup(ref);
    if (found.length === 0) {
      await this.reindex();
      found = this.lookup(ref);
    }
    if (found.length === 0) throw new NonoError('SNAPSHOT_NOT_FOUND', `no snapshot has the id, name or tag ${ref}; nono snapshot list shows them`, { id: ref });
    if (found.length > 1) {
      const named = found[0]!.name === ref;
      const sessions = new Set(found.map((info) => info.session));
      if (!named) throw new NonoError('SNAPSHOT_NOT_FOUND', `snapshot id prefix ${ref} matches more than one snapshot; give more of the id (nono snapshot list)`, { id: ref });
      if (sessions.size > 1 || sessions.has(null)) {
        throw new NonoError('SNAPSHOT_NOT_FOUND', `name ${ref} is on snapshots of several directories (${found.map((f) => f.tree).join(', ')}); give the id of one (nono snapshot list)`, { id: ref });
      }
    }
    return Promise.all(found.map(async (info) => ({ info, manifest: await readManifest(this.store, info.id) })));
  }

  private lookup(ref: string): SnapshotInfo[] {
    const { index } = this.options;
    const exact = index.byPrefix(ref).filter((info) => info.id === ref);
    if (exact.length > 0) return exact;
    const named = index.byName(ref);
    if (named.length > 0) return named;
    const tagged = index.newestTagged(ref);
    if (tagged) return [tagged];
    return index.byPrefix(ref);
  }

  async diff(ref: string, to: string | undefined, detail?: DetailLevel): Promise<{ tree: string; changes: ChangeRecord[] }> {
    const { manifest } = await this.resolve(ref);
    const after = to === undefined ? undefined : (await this.resolve(to)).manifest;
    if (after && after.tree !== manifest.tree) {
      throw new NonoError('INVALID_PARAMS', `snapshots ${manifest.id} and ${after.id} are of different directories (${manifest.tree}, ${after.tree}); compare snapshots of one directory`, { id: after.id });
    }
    return { tree: manifest.tree, changes: await this.changesOf(manifest, after ?? 'live', detail) };
  }

  async changesOf(before: Manifest, after: Manifest | 'live', detail?: DetailLevel): Promise<ChangeRecord[]> {
    return namingOutsideFailures(`diff of ${before.tree}`, before.tree, async () => {
      const changes = after === 'live' ? await diffLive(this.store, before) : diffManifests(before, after);
      if (!detail) return changes.map(wireChange);
      // The diff library is loaded the first time someone asks for --stat or --patch.
      const { detailChanges } = await import('./change-detail.js');
      return (await detailChanges(this.store, changes, before, after, detail)).map(wireChange);
    });
  }

  /**
   * Puts trees back; the changes listed per tree are the ones undone (or, with dryRun, that
   * would be). Several trees are restored as one operation: all of them, or none.
   */
  async restore(requests: TreeRestore[], dryRun: boolean, progress?: ProgressSink): Promise<{ tree: string; changes: ChangeRecord[]; resumed: number }[]> {
    const changes = await Promise.all(requests.map(({ manifest }) => this.changesOf(manifest, 'live')));
    if (dryRun) return requests.map(({ manifest }, i) => ({ tree: manifest.tree, changes: changes[i]!, resumed: 0 }));
    const trees = requests.map(({ manifest }) => manifest.tree);
    const busy = trees.find((tree) => this.restoring.has(tree));
    if (busy !== undefined) {
      throw new NonoError('SNAPSHOT_BUSY', `${busy} is being restored by another call; wait for it to finish, then run this again`, { tree: busy });
    }
    for (const tree of trees) this.restoring.add(tree);
    try {
      const onProgress = progress ? (done: number, total: number) => progress({ phase: 'restore', files: done, bytes: 0, totalFiles: total, totalBytes: null }) : undefined;
      const results = await this.lock.shared(() => this.restoreTrees(requests, onProgress));
      return requests.map(({ manifest, paths }, i) => {
        this.options.record({
          kind: 'snapshot.restore',
          session: manifest.origin && 'session' in manifest.origin ? manifest.origin.session : null,
          payload: { snapshotId: manifest.id, tree: manifest.tree, paths, changes: changes[i]!.length, operations: results[i]!.performed + results[i]!.resumed },
        });
        return { tree: manifest.tree, changes: changes[i]!, resumed: results[i]!.resumed };
      });
    } finally {
      for (const tree of trees) this.restoring.delete(tree);
    }
  }

  private async restoreTrees(requests: TreeRestore[], onProgress?: (done: number, total: number) => void): Promise<RestoreResult[]> {
    await namingOutsideFailures('finishing an interrupted rollback', this.store.root, () => recoverGroups(this.store));
    if (requests.length === 1) {
      const { manifest, paths } = requests[0]!;
      return [await namingOutsideFailures(`restore of ${manifest.tree}`, manifest.tree, () => restoreSnapshot(this.store, manifest, { paths, ...(onProgress ? { onProgress } : {}) }))];
    }
    try {
      return await restoreTogether(this.store, requests, onProgress);
    } catch (err) {
      if (!(err instanceof GroupRestoreError)) throw outsideFailure(err, `rollback of ${requests.map((r) => r.manifest.tree).join(', ')}`, requests[0]!.manifest.tree);
      throw groupFailure(err);
    }
  }

  /** Re-hashes the manifests' objects; the answer is what snapshot.verify and session.verify return. */
  async verify(manifests: Manifest[], progress?: ProgressSink): Promise<ResultOf<'snapshot.verify'>> {
    const snapshots = [];
    const totalFiles = manifests.reduce((n, m) => n + m.entries.filter((e) => e.type === 'file').length, 0);
    let done = 0;
    for (const manifest of manifests) {
      const report = await this.lock.shared(() =>
        namingOutsideFailures(`verify of snapshot ${manifest.id}`, this.store.root, () =>
          verifySnapshot(this.store, manifest, () => progress?.({ phase: 'verify', files: ++done, bytes: 0, totalFiles, totalBytes: null })),
        ),
      );
      snapshots.push({ tree: manifest.tree, manifest: manifest.id, rootMatches: report.rootMatches, problems: report.problems.map((p) => ({ ...p, ...wireName(p.path) })) });
    }
    return { ok: snapshots.every((s) => s.rootMatches && s.problems.length === 0), snapshots };
  }

  async allManifests(): Promise<Manifest[]> {
    const ids = await this.manifestIds();
    return Promise.all(ids.map((id) => readManifest(this.store, id)));
  }

  /** Session snapshots: the session's record ties each writable tree to its two manifests. */
  async sessionBaseline(sessionId: string, plan: SandboxPlan, rules: SnapshotRules, name?: string): Promise<SessionTree[]> {
    if (name !== undefined) this.assertNameFree(name, writableTrees(plan));
    return snapshotBaseline(this.store, sessionId, plan, async (tree, role) => (await this.create(tree, rules, { ...(name !== undefined ? { name } : {}), origin: { session: sessionId, role } })).info.id);
  }

  async sessionFinal(sessionId: string, rules: SnapshotRules): Promise<void> {
    await snapshotFinal(this.store, sessionId, async (tree, role) => (await this.create(tree, rules, { origin: { session: sessionId, role } })).info.id);
  }

  async sessionTrees(sessionId: string, name: string): Promise<SessionTree[]> {
    return loadTrees(this.store, sessionId, name);
  }

  /**
   * Applies the retention policy, then deletes unreferenced objects. Only session snapshots
   * are dropped by retention, a whole session at a time, oldest first; snapshots taken by hand
   * and sessions whose baseline was given a name are the user's to delete, and a session still running or with an unfinished restore keeps
   * its snapshots.
   */
  async gc(dryRun: boolean): Promise<GcResult> {
    const policy = readRetention(this.options.configDir);
    return this.lock.exclusive(async () => {
      // An interrupted rollback's undo snapshots live only as long as its record: settle it first.
      await recoverGroups(this.store);
      await this.reindex();
      const ids = await this.manifestIds();
      const census = await takeCensus(this.store, ids);
      const sessions = await this.droppableSessions();
      const drop = new Set<string>();
      if (policy.keepSessions !== null) for (const session of sessions.slice(policy.keepSessions)) drop.add(session);
      let bytes = referencedBytes(census);
      const dropped: string[] = [];
      for (const session of [...sessions].reverse()) {
        const mustGo = drop.has(session) || (policy.maxBytes !== null && bytes > policy.maxBytes);
        if (!mustGo) continue;
        for (const info of this.options.index.list({ session })) {
          bytes -= await countReferences(this.store, info.id, census.refs, -1, census.sizes);
          dropped.push(info.id);
        }
        if (!dryRun) await this.forgetSession(session);
      }
      const swept = await sweep(this.store, census, dryRun);
      this.options.log.info({ dryRun, removedSnapshots: dropped.length, ...swept }, 'snapshot gc');
      return { ...swept, removedSnapshots: dropped, dryRun };
    });
  }

  /** Sessions with snapshots, newest first, that retention may drop. */
  private async droppableSessions(): Promise<string[]> {
    const newestFirst: string[] = [];
    for (const info of this.options.index.list()) {
      if (info.session === null || newestFirst.includes(info.session)) continue;
      newestFirst.push(info.session);
    }
    const pinned = new Set<string>();
    for (const session of newestFirst) {
      if (this.options.isLive(session)) pinned.add(session);
      for (const info of this.options.index.list({ session })) {
        if (info.name !== null) pinned.add(session);
        if ((await readJournal(journalFile(this.store, info.tree)))?.plan.manifest === info.id) pinned.add(session);
      }
    }
    return newestFirst.filter((session) => !pinned.has(session));
  }

  private async forgetSession(session: string): Promise<void> {
    for (const info of this.options.index.list({ session })) {
      await unlink(join(this.store.root, 'manifests', `${info.id}.json`)).catch(() => undefined);
      this.options.index.remove(info.id);
    }
    await removeTrees(this.store, session);
  }

  private async manifestIds(): Promise<string[]> {
    const names = await readdir(join(this.store.root, 'manifests')).catch(() => []);
    return names.filter((name) => /^[A-Za-z0-9_-]+\.json$/.test(name)).map((name) => name.slice(0, -5));
  }

  /** Brings the records in line with the manifests on disk (a crash can leave one without the other). */
  private async reindex(): Promise<void> {
    const onDisk = new Set(await this.manifestIds());
    const indexed = this.options.index.ids();
    for (const id of indexed) if (!onDisk.has(id)) this.options.index.remove(id);
    for (const id of onDisk) {
      if (indexed.has(id)) continue;
      try {
        this.options.index.insert(infoOf(await readManifest(this.store, id)));
      } catch (err) {
        this.options.log.warn({ id, error: String(err) }, 'snapshot manifest not indexed');
      }
    }
  }
}

function wireChange<T extends { path: string }>(change: T): T & { pathBase64?: string } {
  return { ...change, ...wireName(change.path) };
}

/** One line for a rollback of several trees that stopped: where, why, and what became of the others. */
function groupFailure(err: GroupRestoreError): unknown {
  const putBack = `${err.putBack.join(', ')} ${err.putBack.length === 1 ? 'is' : 'are'} as before`;
  if (err.undoFailure === undefined) {
    const failure = outsideFailure(err.failure, `rollback of ${err.tree}`, err.tree, `nothing was rolled back (${putBack})`);
    return failure instanceof NonoError ? new NonoError(failure.kind, failure.message, { ...failure.details, tree: err.tree }) : err.failure;
  }
  const first = outsideFailure(err.failure, `rollback of ${err.tree}`, err.tree);
  const undo = outsideFailure(err.undoFailure, `putting ${err.putBack.join(', ')} back`, err.putBack[0]!, 'the next restore, rollback or gc retries it');
  if (!(undo instanceof NonoError)) return err.undoFailure;
  const why = first instanceof Error ? first.message : String(first);
  return new NonoError(undo.kind, `${why}; then ${undo.message}`, { ...undo.details, tree: err.tree });
}

export function infoOf(manifest: Manifest): SnapshotInfo {
  const files = manifest.entries.filter((e) => e.type === 'file');
  const origin = manifest.origin;
  return {
    id: manifest.id,
    tree: manifest.tree,
    created: manifest.created,
    label: manifest.label ?? null,
    name: manifest.name ?? null,
    tags: manifest.tags ?? [],
    session: origin && 'session' in origin ? origin.session : null,
    role: origin && 'session' in origin ? origin.role : 'manual',
    files: files.length,
    bytes: files.reduce((sum, e) => sum + (e.type === 'file' ? e.size : 0), 0),
    root: manifest.root,
  };
}
