// The session's output on disk, bounded: `nono logs` reads it after the session ended or the
// client went away. Two files at most: when the current one passes the cap it becomes .1,
// replacing the older one, so a chatty agent never fills the disk. Written in blocks, off the
// path from the PTY to the screen: a keystroke's echo costs no write of its own.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writevSync } from 'node:fs';
import { join } from 'node:path';

export const LOG_CAP_BYTES = 4 * 1024 * 1024;

/** Output waits at most this long, or until this much has gathered, before it is written. */
const BLOCK_MS = 100;
const BLOCK_BYTES = 256 * 1024;

export class OutputLog {
  private fd: number | undefined;
  private size = 0;
  private block: Buffer[] = [];
  private blockBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a', 0o600);
    this.size = statSync(path).size;
  }

  static forSession(logDir: string, id: string): OutputLog {
    mkdirSync(logDir, { recursive: true, mode: 0o700 });
    return new OutputLog(join(logDir, `${id}.log`));
  }

  append(data: Buffer): void {
    if (this.fd === undefined) return;
    this.block.push(data);
    this.blockBytes += data.length;
    if (this.blockBytes >= BLOCK_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BLOCK_MS).unref();
  }

  /** Writes what is gathered: on its timer, and before anyone reads the file. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.fd === undefined || this.blockBytes === 0) return;
    const block = this.block;
    const bytes = this.blockBytes;
    this.block = [];
    this.blockBytes = 0;
    if (this.size + bytes > LOG_CAP_BYTES) this.rotate();
    for (let written = 0, at = 0; written < bytes; ) {
      // writev may stop short (a signal, a full disk's last blocks): go on from where it did.
      let n = writevSync(this.fd, block.slice(at));
      written += n;
      while (at < block.length && n >= block[at]!.length) n -= block[at++]!.length;
      if (n > 0) block[at] = block[at]!.subarray(n);
    }
    this.size += bytes;
  }

  close(): void {
    try {
      this.flush();
    } catch {
      // A full disk: the last block is lost, as its writes were before; the session still ends.
    }
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private rotate(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = 0;
  }
}

/** The last `tail` lines (all when undefined) of a session's log, older file first. */
export function readLog(path: string, tail?: number): Buffer {
  const parts = [`${path}.1`, path].filter((p) => existsSync(p)).map((p) => readFileSync(p));
  const all = Buffer.concat(parts);
  if (tail === undefined) return all;
  let end = all.length;
  if (end > 0 && all[end - 1] === 0x0a) end--;
  let start = end;
  for (let lines = 0; start > 0; start--) {
    if (all[start - 1] === 0x0a && ++lines === tail) break;
  }
  return all.subarray(start);
}

export function removeLog(path: string): void {
  rmSync(path, { force: true });
  rmSync(`${path}.1`, { force: true });
}
