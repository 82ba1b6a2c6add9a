// Keys nonod reads from a client's terminal itself (directInput): the detach key is split off
// as the client would, and the rest is typed into the session as session.input would.
import { DETACH_KEY_REASON, DetachKeyFilter } from '@nono/shared/detach-key';
import type { Session, SessionClient } from './session.js';

export function keysInto(session: Session, client: SessionClient, detachKey: number): (data: Buffer) => void {
  const filter = new DetachKeyFilter(detachKey);
  return (data) => {
    const { forward, detach } = filter.feed(data);
    if (forward.length > 0) session.input(client, forward);
    if (detach && session.detach(client)) client.notify('session.detached', { session: session.id, reason: DETACH_KEY_REASON });
  };
}
