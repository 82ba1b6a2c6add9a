// session.attach: join a live session. The caller first gets the screen as it is now; when a
// full-screen program owns it, the program is also nudged to redraw, which no model beats.
// Questions the session already waits for are put to the new client too.
import { NonoError } from '@nono/shared';
import { summaryOf } from '../sessions/session-summary.js';
import { keysInto } from '../sessions/terminal-keys.js';
import { HOME_AND_CLEAR } from '../sessions/session.js';
import type { MethodHandler } from '../rpc/method-handler.js';

export const sessionAttach: MethodHandler<'session.attach'> = async (params, ctx) => {
  const { sessions, sessionRows } = ctx.services;
  const session = sessions.find(params.session);
  if (!session.live) {
    throw new NonoError('SESSION_EXITED', `session ${session.name} has exited (code ${session.exitCode}); \`nono logs ${session.name}\` shows its output`, {
      session: session.id,
    });
  }
  // Attached before the snapshot: output handed on before it is in the screen, output after it
  // reaches the client as notifications (which it holds until this reply), none twice or lost.
  const binary = params.binaryOutput === true && ctx.client.binaryFrames();
  const keys = params.directInput && params.readOnly !== true ? keysInto(session, ctx.client, params.directInput.detachKey) : undefined;
  const { output: directOutput, input: directInput } = params.directOutput === true && session.size !== null && params.size ? ctx.client.takeTerminal(session.id, keys) : { output: false, input: false };
  session.attach(ctx.client, { readOnly: params.readOnly === true, size: params.size ?? null, binary });
  const snapshot = params.replay === false ? null : session.snapshot();
  // Drawn from the top of a cleared screen, wherever the client's cursor was: the session
  // positions its cursor on its own rows (tmux clears too). The scrollback stays the user's.
  const screen = snapshot ? Buffer.from(`${HOME_AND_CLEAR}${snapshot.data}`) : null;
  // The screen goes where the output after it goes, held with it until the client is ready.
  if (screen && directOutput) ctx.client.terminal?.write(screen);
  // After the screen: a question the session already waits for is drawn over it.
  ctx.services.approvals.attached(session.id, ctx.client);
  if (snapshot?.alternate) session.nudge();
  return {
    session: summaryOf(session, sessionRows, ctx.services.sessions.denialCount(session.id)),
    screen: screen && !directOutput ? screen.toString('base64') : null,
    size: session.size,
    binaryOutput: binary,
    ...(directOutput ? { directOutput, directInput } : {}),
  };
};
