// A session's recorded output, and with follow what it writes next, as an async iterator of
// byte chunks (what `nono logs -f` prints). It attaches read-only first and then reads the log,
// whose reply names the seq it ends before, so nothing is lost or yielded twice in between.
import type { NotificationSource } from './notification-source.js';
import { SessionSubscription } from './session-stream.js';

export interface LogsOptions {
  /** Only the last N lines of what is recorded. */
  tail?: number;
  /** Keep yielding output until the session ends (or the loop is left). */
  follow?: boolean;
}

export async function* sessionLogs(source: NotificationSource, ref: string, options: LogsOptions = {}): AsyncGenerator<Buffer, void, undefined> {
  const tail = options.tail === undefined ? {} : { tail: options.tail };
  const recorded = await source.call('session.logs', { session: ref, ...tail });
  if (!options.follow || !recorded.live) {
    yield Buffer.from(recorded.data, 'base64');
    return;
  }
  const subscription = new SessionSubscription(source);
  try {
    const attached = await source.call('session.attach', { session: ref, readOnly: true, replay: false });
    subscription.bind(attached.session.id);
    const since = await source.call('session.logs', { session: attached.session.id, ...tail });
    yield Buffer.from(since.data, 'base64');
    for await (const event of subscription.events) {
      if (event.type === 'output' && (since.nextSeq === null || event.seq >= since.nextSeq)) yield event.data;
    }
  } finally {
    await subscription.events.return();
    await subscription.detaching;
  }
}
