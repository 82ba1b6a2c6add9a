// systemd socket activation (sd_listen_fds(3)): when systemd started nonod for a connection
// on nono.socket, the listening socket is fd 3 and must be used as it is, never unlinked or
// re-bound, or the clients systemd queued for us would be stranded.
import { fstatSync, readFileSync, readlinkSync } from 'node:fs';

const SD_LISTEN_FDS_START = 3;

/** The inherited listening socket's fd, or undefined when systemd did not start us. */
export function activationSocket(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const pid = Number(env.LISTEN_PID);
  const count = Number(env.LISTEN_FDS);
  // Our children must not think the socket is theirs.
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  if (pid !== process.pid || !Number.isInteger(count) || count < 1) return undefined;
  if (count !== 1) throw new Error(`systemd passed ${count} sockets; nono.socket must have exactly one ListenStream`);
  if (!fstatSync(SD_LISTEN_FDS_START).isSocket()) throw new Error('systemd passed fd 3, but it is not a socket; check nono.socket');
  return SD_LISTEN_FDS_START;
}

/**
 * The path an inherited unix socket is bound to: Node cannot getsockname() an fd it was
 * handed, so the socket's inode is looked up in the kernel's table of unix sockets.
 */
export function boundPath(fd: number): string | undefined {
  const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
  if (!inode) return undefined;
  for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[6] === inode) return fields.slice(7).join(' ') || undefined;
  }
  return undefined;
}
