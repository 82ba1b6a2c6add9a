// The daemon's audit log: one AuditLog on the store, its checkpoint key in the keychain, the
// retention policy from config.json, and a `record` that never throws, because losing the
// daemon to an audit write would lose every session with it. Failures go to the daemon log.
import { generateKeyPairSync } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Logger } from 'pino';
import { NonoError } from '@nono/shared';
import type { StoreDatabase } from '../store/database.js';
import { readUserConfig, userConfigFile } from '../user-config.js';
import { AuditLog } from './audit-log.js';
import { ed25519Signer, type CheckpointSigner } from './checkpoints.js';
import type { AuditInput } from './event-kinds.js';

/** The keychain entry holding the checkpoint signing key (PKCS#8 PEM). */
export const AUDIT_KEY_NAME = 'audit-key.checkpoint';

export interface KeyVault {
  get(name: string): Promise<string | undefined>;
  set(name: string, secret: string): Promise<void>;
}

// A keychain that does not answer (no Secret Service on the bus) must not hold up the daemon.
const KEYCHAIN_WAIT_MS = 2000;

/** The checkpoint signer, created on first use; undefined when no keychain is reachable. */
export async function loadAuditSigner(vault: KeyVault, log: Logger): Promise<CheckpointSigner | undefined> {
  const attempt = (async () => {
    let pem = await vault.get(AUDIT_KEY_NAME);
    if (pem === undefined) {
      pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      await vault.set(AUDIT_KEY_NAME, pem);
    }
    return ed25519Signer(pem);
  })();
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), KEYCHAIN_WAIT_MS).unref());
  try {
    const signer = await Promise.race([attempt, timeout]);
    if (!signer) log.warn('keychain did not answer; audit checkpoints are not signed this run');
    return signer;
  } catch (error) {
    log.warn({ error: String(error) }, 'no keychain for the audit checkpoint key; audit checkpoints are not signed this run');
    return undefined;
  }
}

export interface AuditRetention {
  maxDays?: number;
  maxRows?: number;
}

/** `audit.max_days` / `audit.max_rows` in config.json; absent means keep everything. */
export function readAuditRetention(configDir: string): AuditRetention {
  const file = userConfigFile(configDir);
  const config = readUserConfig(configDir) as { audit?: { max_days?: unknown; max_rows?: unknown } };
  const retention: AuditRetention = {};
  for (const [key, field] of [['max_days', 'maxDays'], ['max_rows', 'maxRows']] as const) {
    const value = config.audit?.[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || (value as number) <= 0) {
      throw new NonoError('INVALID_PARAMS', `${file}: audit.${key} must be a whole number above 0, not ${JSON.stringify(value)}`, { path: file, key: `audit.${key}` });
    }
    retention[field] = value as number;
  }
  return retention;
}

export class DaemonAudit {
  readonly log: AuditLog;
  readonly user = userInfo().username;

  constructor(
    db: StoreDatabase,
    readonly signer: CheckpointSigner | undefined,
    private readonly logger: Logger,
  ) {
    this.log = new AuditLog(db, {
      ...(signer ? { signer, checkpointEveryEvents: 1000, checkpointEveryMs: 60_000 } : {}),
      onError: (error) => logger.error({ error: String(error) }, 'audit write failed'),
    });
  }

  record(event: AuditInput): void {
    try {
      this.log.append(event);
    } catch (error) {
      this.logger.error({ kind: event.kind, error: String(error) }, 'audit event dropped');
    }
  }

  /** Applies retention; a broken head is reported, not pruned (prune refuses to erase evidence). */
  applyRetention(configDir: string): void {
    try {
      const retention = readAuditRetention(configDir);
      if (retention.maxDays === undefined && retention.maxRows === undefined) return;
      const { deleted } = this.log.prune(retention);
      if (deleted > 0) this.logger.info({ deleted }, 'audit retention pruned rows');
    } catch (error) {
      this.logger.warn({ error: String(error) }, 'audit retention not applied');
    }
  }
}
