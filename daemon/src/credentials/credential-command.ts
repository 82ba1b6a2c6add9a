// Keys from a password manager or any command: cmd://COMMAND runs `/bin/sh -c COMMAND`, op:// and
// bw:// run the 1Password and Bitwarden CLIs, all in the daemon (outside every sandbox) with its
// environment; the output, one trailing newline dropped, is the key, kept in memory for a while.
// Threat: that output is the secret. It never goes into an error, a log line or the audit log, and
// op://, bw:// URIs are passed as argv, so nothing in them reaches a shell.
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { NonoError, resolveNonoPaths } from '@nono/shared';
import { readUserConfig, userConfigFile } from '../user-config.js';
import { groupSignaller } from '../process-group.js';

export interface SecretCommand {
  argv: string[];
  /** How errors name it: the command, never what it printed. */
  display: string;
}

/** The command behind a cmd://, op:// or bw:// source, or undefined for any other source. */
export function secretCommandFor(name: string, source: string): SecretCommand | undefined {
  if (source.startsWith('cmd://')) {
    const command = source.slice('cmd://'.length);
    if (command.trim() === '') throw new NonoError('CREDENTIAL_UNAVAILABLE', `credential ${name}: cmd:// names no command; write cmd://COMMAND`, { credential: name });
    return { argv: ['/bin/sh', '-c', command], display: source };
  }
  if (source.startsWith('op://')) return { argv: ['op', 'read', source], display: `op read ${source}` };
  if (source.startsWith('bw://')) {
    const item = source.slice('bw://'.length);
    // An item starting with - would be read by bw as an option.
    if (item === '' || item.startsWith('-')) {
      throw new NonoError('CREDENTIAL_UNAVAILABLE', `credential ${name}: ${source} names no Bitwarden item; write bw://ITEM (a name or id not starting with -)`, { credential: name });
    }
    return { argv: ['bw', 'get', 'password', item], display: `bw get password ${item}` };
  }
  return undefined;
}

const DEFAULT_TTL_SECONDS = 300;
/** A key is a few hundred bytes at most; more is a command printing something else. */
const MAX_OUTPUT_BYTES = 64 * 1024;

/** `credentials.cmd_ttl_seconds` in config.json, read at each use so an edit applies at once; 0 turns caching off. */
export function commandTtlSeconds(daemonEnv: NodeJS.ProcessEnv): number {
  const { configDir } = resolveNonoPaths(daemonEnv);
  const file = userConfigFile(configDir);
  const config = readUserConfig(configDir) as { credentials?: { cmd_ttl_seconds?: unknown } };
  const ttl = config.credentials?.cmd_ttl_seconds;
  if (ttl === undefined) return DEFAULT_TTL_SECONDS;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0) {
    throw new NonoError('INVALID_PARAMS', `${file}: credentials.cmd_ttl_seconds must be a whole number of seconds (0 turns caching off), not ${JSON.stringify(ttl)}`, {
      path: file,
      key: 'credentials.cmd_ttl_seconds',
    });
  }
  return ttl;
}

export interface CommandSecretsOptions {
  timeoutMs?: number;
  now?: () => number;
  ttlSeconds?: (daemonEnv: NodeJS.ProcessEnv) => number;
}

/** The daemon's one cache of command output, keyed by the command so two routes sharing it run it once. */
export class CommandSecrets {
  private readonly cache = new Map<string, { expires: number; key: Promise<string> }>();
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly ttlSeconds: (daemonEnv: NodeJS.ProcessEnv) => number;

  constructor(options: CommandSecretsOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.ttlSeconds = options.ttlSeconds ?? commandTtlSeconds;
  }

  read(name: string, command: SecretCommand, daemonEnv: NodeJS.ProcessEnv): Promise<string> {
    const id = command.argv.join('\0');
    const cached = this.cache.get(id);
    if (cached && cached.expires > this.now()) return cached.key;
    const ttlMs = this.ttlSeconds(daemonEnv) * 1000;
    const key = this.run(name, command, daemonEnv);
    // Sessions starting together share one run; a failure is not kept, so the next start retries.
    if (ttlMs > 0) {
      this.cache.set(id, { expires: this.now() + ttlMs, key });
      key.catch(() => {
        if (this.cache.get(id)?.key === key) this.cache.delete(id);
      });
    }
    return key;
  }

  private run(name: string, command: SecretCommand, daemonEnv: NodeJS.ProcessEnv): Promise<string> {
    const unavailable = (why: string) => new NonoError('CREDENTIAL_UNAVAILABLE', `credential ${name}: ${command.display} ${why}`, { credential: name });
    return new Promise((resolve, reject) => {
      const [program, ...args] = command.argv;
      // Its own process group, so a timeout also ends whatever the shell started.
      const child = spawn(program!, args, {
        env: daemonEnv,
        cwd: daemonEnv.HOME?.startsWith('/') ? daemonEnv.HOME : homedir(),
        stdio: ['ignore', 'pipe', 'ignore'],
        detached: true,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      let failure: NonoError | undefined;
      const killGroup = groupSignaller(child.pid);
      const stop = (why: NonoError) => {
        failure ??= why;
        killGroup('SIGKILL');
      };
      const timer = setTimeout(
        () => stop(unavailable(`did not finish within ${this.timeoutMs / 1000} s; check it runs without a prompt (signed in, unlocked) in the daemon's environment`)),
        this.timeoutMs,
      );
      child.stdout.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_OUTPUT_BYTES) return stop(unavailable(`printed more than ${MAX_OUTPUT_BYTES / 1024} KiB; it must print only the key`));
        chunks.push(chunk);
      });
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          new NonoError('CREDENTIAL_UNAVAILABLE', `credential ${name}: cannot run ${program} (${error.code}); install it or fix PATH in the daemon's environment`, {
            credential: name,
          }),
        );
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (failure) return reject(failure);
        if (code !== 0) {
          const status = signal ? `was killed by ${signal}` : `exited with status ${code}${code === 127 ? ' (command not found)' : ''}`;
          return reject(unavailable(`${status}; run it yourself to see why (nono never shows its output)`));
        }
        const key = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
        if (key === '') return reject(unavailable('printed nothing; it must print the key on stdout'));
        resolve(key);
      });
    });
  }
}

export const commandSecrets = new CommandSecrets();
