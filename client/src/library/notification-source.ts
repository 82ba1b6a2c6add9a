// What the stream helpers need from a client: typed calls, typed notification handlers that can
// be removed, and word of the connection going away. NonoClient provides it; the helpers take
// this instead of the class so they do not import the module that imports them.
import type { MethodName, ParamsOf, ResultOf } from '@nono/shared/protocol/methods';
import type { NotificationName, NotificationParamsOf } from '@nono/shared/protocol/notifications';
import type { OutputFrameHeader } from '@nono/shared/rpc/output-frame';

export interface NotificationSource {
  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  /** The call as a notification: the daemon runs it and sends no reply, errors included. */
  send<M extends MethodName>(method: M, params: ParamsOf<M>): void;
  /** Returns the function that removes the handler. */
  on<N extends NotificationName>(notification: N, handler: (params: NotificationParamsOf<N>) => void): () => void;
  /** session.output that came as a binary frame; returns the function that removes the handler. */
  onOutput(handler: (header: OutputFrameHeader, data: Buffer) => void): () => void;
  /** The daemon went away (the client may be reconnecting). */
  onDisconnect(handler: () => void): () => void;
  /** The client was closed for good. */
  onClose(handler: () => void): () => void;
}
