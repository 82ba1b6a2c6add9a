// The daemon's sessions: the registry of those it runs (found by name, id or id prefix, looked
// up in the store when a previous daemon ran them), which trees they write, their counts, and
// pruning and terminating them. Starting one is launch-session.ts's; this keeps what it made.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { NonoError, type ParamsOf, type SandboxPlan } from '@nono/shared';
import type { CompiledPlan } from '../policy/compile-plan.js';
import { resolverWith, type Resolver } from '../network/checked-address.js';
import type { SessionRow } from '../database/session-rows.js';
import type { LaunchServices, SessionRegistry } from './launch-session.js';
import type { Session, SessionClient } from './session.js';
import { removeLog } from './output-log.js';

export interface SessionManagerOptions extends LaunchServices {
  /** Fixed DNS answers for the session proxies (tests). */
  resolve?: Record<string, string> | undefined;
}

export class SessionManager implements SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  readonly resolve: Resolver;

  constructor(private readonly options: SessionManagerOptions) {
    this.resolve = resolverWith(options.resolve);
  }

  // The launch path (plan compiler, trust gate, proxy, PTY, screen model) is imported by the
  // first run or plan, not at start: a daemon that only answers `ps` never needs it.

  /** The plan a run would get, trust gate included; nothing is recorded or started. */
  async plan(params: ParamsOf<'session.run'>): Promise<CompiledPlan> {
    const { planRun } = await import('./launch-session.js');
    return planRun(params, this.options);
  }

  async run(params: ParamsOf<'session.run'>, client: SessionClient): Promise<{ session: Session; plan: SandboxPlan; direct: { output: boolean; input: boolean } }> {
    const { launchSession } = await import('./launch-session.js');
    return launchSession(params, client, this.options, this);
  }

  add(session: Session): void {
    this.sessions.set(session.id, session);
  }

  isLiveName(name: string): boolean {
    return this.findLive(name) !== undefined;
  }

  trackFinalSnapshot(id: string, final: Promise<unknown>): void {
    this.finalSnapshots.set(id, final);
    void final.finally(() => this.finalSnapshots.delete(id));
  }

  /** A live session by exact name first, then a session of this daemon by name, id or unique id prefix. */
  find(ref: string): Session {
    const found = this.findLive(ref) ?? this.findById(ref) ?? this.findLatestByName(ref);
    if (!found) {
      throw new NonoError('SESSION_NOT_FOUND', `no session named or with id ${ref}; \`nono ps\` lists them`, { session: ref });
    }
    return found;
  }

  private findLive(name: string): Session | undefined {
    for (const s of this.sessions.values()) if (s.live && s.name === name) return s;
    return undefined;
  }

  private findLatestByName(name: string): Session | undefined {
    let latest: Session | undefined;
    for (const s of this.sessions.values()) if (s.name === name) latest = s;
    return latest;
  }

  private findById(ref: string): Session | undefined {
    if (!/^[0-9a-f]{1,16}$/.test(ref)) return undefined;
    const exact = this.sessions.get(ref);
    if (exact) return exact;
    const matches = [...this.sessions.values()].filter((s) => s.id.startsWith(ref));
    if (matches.length > 1) {
      throw new NonoError('SESSION_NOT_FOUND', `id prefix ${ref} matches ${matches.length} sessions; type more of the id`, {
        session: ref,
      });
    }
    return matches[0];
  }

  /** A client went away: detached everywhere, and a foreground session it was the last client of is hung up. */
  leave(client: SessionClient, log: Logger): void {
    for (const session of this.sessions.values()) {
      if (!session.detach(client)) continue;
      if (session.attachments.size === 0 && session.live && !session.persistent) {
        log.info({ session: session.id }, 'last client of a foreground session left; hanging up');
        void session.terminate(2000);
      }
    }
  }

  /** Sessions that ended (before `endedBefore`, if given), forgotten: their rows and logs go; live ones stay. */
  prune(endedBefore?: Date): number {
    let removed = 0;
    for (const row of this.options.store.list()) {
      if (row.state === 'starting' || row.state === 'running') continue;
      if (endedBefore !== undefined && (row.endedAt === null || Date.parse(row.endedAt) > endedBefore.getTime())) continue;
      this.sessions.delete(row.id);
      removeLog(join(this.logDir, `${row.id}.log`));
      this.options.store.remove(row.id);
      removed++;
    }
    return removed;
  }

  /** Final snapshots still being taken; diff and rollback wait for them rather than race them. */
  private readonly finalSnapshots = new Map<string, Promise<unknown>>();

  async snapshotSettled(id: string): Promise<void> {
    await this.finalSnapshots.get(id);
  }

  /** The name of a running session that can write `tree` (or inside it), if any. */
  liveWriterOf(tree: string): string | undefined {
    for (const session of this.sessions.values()) {
      if (!session.live) continue;
      const writes = session.plan.rules.some(
        (r) => r.access !== 'read' && (r.path === tree || r.path.startsWith(`${tree}/`) || tree.startsWith(`${r.path}/`)) && r.path !== '/tmp' && !r.path.startsWith('/dev'),
      );
      if (writes) return session.name;
    }
    return undefined;
  }

  /** The file denials recorded for a session, as `ps` counts them. */
  denialCount(id: string): number {
    return this.options.audit.denialCount(id);
  }

  /** A session this daemon ran, by exact id. */
  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /**
   * A session by name, id or id prefix: the live object when this daemon ran it, else the row
   * a previous daemon left in the store (for logs and inspect of lost sessions).
   */
  lookup(ref: string): { row: SessionRow; session: Session | undefined } {
    let session: Session | undefined;
    try {
      session = this.find(ref);
    } catch (error) {
      const rows = this.options.store.list();
      const byName = rows.find((r) => r.name === ref);
      const byId = /^[0-9a-f]{1,16}$/.test(ref) ? rows.filter((r) => r.id.startsWith(ref)) : [];
      const row = byName ?? (byId.length === 1 ? byId[0] : undefined);
      if (!row) throw error;
      return { row, session: undefined };
    }
    return { row: this.options.store.row(session.id)!, session };
  }

  get logDir(): string {
    return join(this.options.paths.stateDir, 'logs');
  }

  counts(): { running: number; total: number } {
    let running = 0;
    for (const s of this.sessions.values()) if (s.live) running++;
    return { running, total: this.sessions.size };
  }

  live(): Session[] {
    return [...this.sessions.values()].filter((s) => s.live);
  }

  async terminateAll(graceMs: number): Promise<void> {
    await Promise.all(this.live().map((s) => s.terminate(graceMs)));
  }
}
