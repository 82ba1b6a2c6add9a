// What a method handler is given: the calling connection and the daemon's services.
import type { Logger } from 'pino';
import type { NonoPaths } from '@nono/shared';
import type { SessionManager } from '../sessions/session-manager.js';
import type { SnapshotService } from '../snapshots/snapshot-service.js';
import type { DaemonAudit } from '../audit/daemon-audit.js';
import type { SessionRows } from '../database/session-rows.js';
import type { SessionClient } from '../sessions/session.js';
import type { SandboxFeatures } from '../sandbox/helper-binary.js';
import type { PolicyServices } from '../policy/compile-plan.js';
import type { PackService } from '../packs/pack-service.js';
import type { ApprovalBroker } from '../approvals/approval-broker.js';
import type { WarmClients } from '../launch/warm-clients.js';

export interface DaemonServices {
  version: string;
  paths: NonoPaths;
  policy: PolicyServices;
  startedAt: number;
  secret: string;
  sessions: SessionManager;
  approvals: ApprovalBroker;
  snapshots: SnapshotService;
  audit: DaemonAudit;
  sessionRows: SessionRows;
  log: Logger;
  /** The pack service, loaded on first use. */
  packs(): Promise<PackService>;
  features(): Promise<SandboxFeatures>;
  /** Clients started ahead of time for the `nono` launcher. */
  warmClients: WarmClients;
  /** run.sock, where the launcher hands nonod a `nono run` itself (launch/launcher-runs.ts, which builds on this module). */
  launcherRuns(): { wanted(): void };
  stop(reason: string): void;
}

export interface CallContext {
  client: SessionClient;
  authenticated: boolean;
  /** What auth.hello said the client is (nono, vscode, ...): who answered an approval. */
  clientName?: string;
  /** Set once this connection's first authentication failure is in the audit log; later ones are not, so a client cannot flood it. */
  authFailureAudited?: boolean;
  log: Logger;
  services: DaemonServices;
  /** Runs `callback` when this connection closes: what a call started for its caller ends with it. */
  whenClosed(callback: () => void): void;
}
