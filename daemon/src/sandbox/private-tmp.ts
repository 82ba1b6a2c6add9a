// A session's private /tmp on the host (`/tmp/nono-sandbox-<session id>`): named by the plan,
// made by the launch, removed when the session ends, and by the next daemon for the sessions a
// daemon that died left behind (their rows become 'lost').
import { rmSync } from 'node:fs';
import type { Logger } from 'pino';

export function privateTmpPath(sessionId: string): string {
  return `/tmp/nono-sandbox-${sessionId}`;
}

/** The private /tmp of each session a previous daemon left running; what it held was scratch, as at any session's end. */
export function removeLostPrivateTmps(sessionIds: string[], log: Logger): void {
  for (const id of sessionIds) {
    try {
      // rmSync removes a symlink put in the directory's place, never what it points to.
      rmSync(privateTmpPath(id), { recursive: true, force: true });
    } catch (error) {
      log.warn({ session: id, error: String(error) }, "cannot remove a lost session's private /tmp");
    }
  }
}
