// The pathname unix sockets bound on this machine, from /proc/net/unix. Landlock does not
// mediate connect() on them, so the view hides every one that lies inside a grant: the
// Docker socket, the D-Bus session bus, ssh and gpg agents, tmux servers, X11, our own.
// Reading the kernel's list beats scanning granted trees, which can hold millions of files.
import { readFileSync } from 'node:fs';
import { statIfVisible } from '@nono/shared/resolve-path';

/** Paths of listening or bound pathname sockets that exist now as sockets. */
export function hostUnixSockets(table = '/proc/net/unix'): string[] {
  let text: string;
  try {
    text = readFileSync(table, 'utf8');
  } catch {
    return [];
  }
  const found = new Set<string>();
  for (const line of text.split('\n').slice(1)) {
    // Num RefCount Protocol Flags Type St Inode Path: the path runs to the end of the line.
    const match = /^\s*\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s(\/.*)$/.exec(line);
    if (match) found.add(match[1]!);
  }
  return [...found].filter((path) => statIfVisible(path, false)?.isSocket() === true);
}

/** Variables that point programs at host sockets, and the socket path each names. */
export function socketOfVariable(name: string, value: string): string | undefined {
  switch (name) {
    case 'SSH_AUTH_SOCK':
      return value;
    case 'DBUS_SESSION_BUS_ADDRESS':
      return /(?:^|[,;])path=([^,;]+)/.exec(value)?.[1] ?? value;
    case 'DOCKER_HOST':
      return value.startsWith('unix://') ? value.slice('unix://'.length) : undefined;
    case 'GPG_AGENT_INFO':
      return value.split(':')[0];
    default:
      return undefined;
  }
}
