// A long call (snapshot, restore, verify) with its progress notifications as an async iterator:
// the token that ties them to the call is made here, and the stream ends when the call answers.
import type { MethodName, ParamsOf, ResultOf } from '@nono/shared/protocol/methods';
import type { Progress } from '@nono/shared/protocol/notifications';
import { EventQueue } from './event-queue.js';
import type { NotificationSource } from './notification-source.js';

/** The methods that take a progressToken. */
export type ProgressMethod = { [M in MethodName]: 'progressToken' extends keyof ParamsOf<M> ? M : never }[MethodName];

export interface ProgressCall<M extends MethodName> {
  /** The call's reply; its error, if any, is reported here and not by progress. */
  result: Promise<ResultOf<M>>;
  progress: AsyncIterableIterator<Progress>;
}

/**
 * Progress goes only to the connection whose call asked for it, so a count unique in this process
 * tells its calls apart (node:crypto, for a random one, would be loaded by every nono command).
 */
let calls = 0;

export function callWithProgress<M extends ProgressMethod>(source: NotificationSource, method: M, params: Omit<ParamsOf<M>, 'progressToken'>): ProgressCall<M> {
  const token = `progress-${++calls}`;
  let off = (): void => undefined;
  const progress = new EventQueue<Progress>(() => off());
  off = source.on('progress', (update) => {
    if (update.token === token) progress.push(update);
  });
  const result = source.call(method, { ...params, progressToken: token } as ParamsOf<M>);
  // Notifications arrive before the reply on the same connection, so none is cut off here.
  result.then(
    () => progress.end(),
    () => progress.end(),
  );
  return { result, progress };
}
