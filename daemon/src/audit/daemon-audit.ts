// The daemon's audit log: one AuditLog in the SQLite file, its checkpoint key in the keychain (or,
// without one, in a key file in the state dir), the retention policy from config.json, and a
// `record` that never throws, because losing the daemon to an audit write would lose every
// session with it. Failures go to the daemon log.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { NonoError } from '@nono/shared';
import type { SqliteDatabase } from '../database/database.js';
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

/** Without a keychain, the checkpoint key (PKCS#8 PEM, 0600) in the state dir, which no sandbox ever sees. */
export const auditKeyFile = (stateDir: string): string => join(stateDir, 'audit-key.pem');
/** The keychain key's public half, so checkpoints it signed still verify on a run the keychain misses. */
const keychainPublicFile = (stateDir: string): string => join(stateDir, 'audit-key.keychain.pub');

export interface AuditSigning {
  /** Undefined only when neither the keychain nor the key file could be used (the daemon log says why). */
  signer: CheckpointSigner | undefined;
  /** Where the key lives: `keychain` (entry audit-key.checkpoint) or the key file's path. */
  source: { kind: 'keychain'; entry: string } | { kind: 'file'; path: string } | undefined;
  /** Public keys a checkpoint may be signed by: this run's, and the other place's when known. */
  trusted: string[];
}

async function keychainSigner(vault: KeyVault, log: Logger): Promise<CheckpointSigner | undefined> {
  const attempt = (async () => {
    let pem = await vault.get(AUDIT_KEY_NAME);
    if (pem === undefined) {
      pem = newKeyPem();
      await vault.set(AUDIT_KEY_NAME, pem);
    }
    return ed25519Signer(pem);
  })();
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), KEYCHAIN_WAIT_MS).unref());
  try {
    const signer = await Promise.race([attempt, timeout]);
    if (!signer) log.warn('keychain did not answer; audit checkpoints are signed with the key file in the state dir');
    return signer;
  } catch (error) {
    log.warn({ error: String(error) }, 'no keychain for the audit checkpoint key; audit checkpoints are signed with the key file in the state dir');
    return undefined;
  }
}

function newKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * Reads a key file only if it is a regular file of ours that no one else can read or write.
 * Threat: a key another account could read signs forged checkpoints; one it could write was theirs.
 */
function readPrivateFile(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.uid !== process.getuid!() || (stats.mode & 0o077) !== 0) {
      throw new Error(`${path} must be a regular file owned by uid ${process.getuid!()} with mode 0600 (it is mode ${(stats.mode & 0o777).toString(8)}, uid ${stats.uid}); fix it or remove it`);
    }
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

function fileSigner(path: string): CheckpointSigner {
  let pem = readPrivateFile(path);
  if (pem === undefined) {
    pem = newKeyPem();
    writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
  }
  return ed25519Signer(pem);
}

/** The checkpoint signer: the keychain's key (created on first use), else the key file's. */
export async function loadAuditSigning(vault: KeyVault, stateDir: string, log: Logger): Promise<AuditSigning> {
  const keyFile = auditKeyFile(stateDir);
  const other = (read: () => string | undefined): string[] => {
    try {
      const pem = read();
      return pem === undefined ? [] : [pem];
    } catch (error) {
      log.warn({ error: String(error) }, 'an audit public key is unreadable; checkpoints it signed will not verify');
      return [];
    }
  };
  const fromKeychain = await keychainSigner(vault, log);
  if (fromKeychain) {
    const remembered = other(() => readPrivateFile(keychainPublicFile(stateDir)));
    if (remembered[0] !== fromKeychain.publicKeyPem) writeFileSync(keychainPublicFile(stateDir), fromKeychain.publicKeyPem, { mode: 0o600 });
    const filePublic = other(() => {
      const pem = readPrivateFile(keyFile);
      return pem === undefined ? undefined : createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'pem' }).toString();
    });
    return { signer: fromKeychain, source: { kind: 'keychain', entry: AUDIT_KEY_NAME }, trusted: [fromKeychain.publicKeyPem, ...filePublic] };
  }
  try {
    const signer = fileSigner(keyFile);
    return { signer, source: { kind: 'file', path: keyFile }, trusted: [signer.publicKeyPem, ...other(() => readPrivateFile(keychainPublicFile(stateDir)))] };
  } catch (error) {
    log.error({ error: String(error) }, 'audit checkpoints are not signed this run: no keychain and no usable key file');
    return { signer: undefined, source: undefined, trusted: [] };
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
    db: SqliteDatabase,
    readonly signing: AuditSigning,
    private readonly logger: Logger,
  ) {
    const { signer } = signing;
    this.log = new AuditLog(db, {
      ...(signer ? { signer, checkpointEveryEvents: 1000, checkpointEveryMs: 60_000 } : {}),
      onError: (error) => logger.error({ error: String(error) }, 'audit write failed'),
    });
  }

  /**
   * File denials (fs.deny) per session: read once, then counted as they are recorded, because
   * `ps` shows the count of every session on every call and must not query the log for each.
   */
  private denials: Map<string, number> | undefined;

  record(event: AuditInput): void {
    try {
      this.log.append(event);
      if (event.kind === 'fs.deny' && event.session && this.denials) this.denials.set(event.session, (this.denials.get(event.session) ?? 0) + 1);
    } catch (error) {
      this.logger.error({ kind: event.kind, error: String(error) }, 'audit event dropped');
    }
  }

  denialCount(session: string): number {
    this.denials ??= this.log.countBySession('fs.deny');
    return this.denials.get(session) ?? 0;
  }

  /** Applies retention; a broken head is reported, not pruned (prune refuses to erase evidence). */
  applyRetention(configDir: string): void {
    try {
      const retention = readAuditRetention(configDir);
      if (retention.maxDays === undefined && retention.maxRows === undefined) return;
      const { deleted } = this.log.prune(retention);
      if (deleted > 0) {
        this.denials = undefined;
        this.logger.info({ deleted }, 'audit retention pruned rows');
      }
    } catch (error) {
      this.logger.warn({ error: String(error) }, 'audit retention not applied');
    }
  }
}
