#!/usr/bin/env node
// What an editor plugin does with nono, as one runnable script on the client library: list the
// sessions, start an agent in a sandbox with snapshots, show it in a terminal view and type into
// it, show the diff of what it changed, and roll that back. docs/api.md walks through it; a
// test (test/e2e/api-client-library.test.ts) runs it.
//
//   node docs/examples/editor-plugin.mjs [WORKDIR]     (default: the current directory)
//
// It talks to your own nonod (starting it if needed). The agent may write only in WORKDIR; the
// one file it adds there (NOTES-<pid>.md) is rolled back before the script ends.
import { resolve } from 'node:path';
import { connect } from '@nono/client';

const workdir = resolve(process.argv[2] ?? process.cwd());
const client = await connect({ clientName: 'editor-plugin example', reconnect: true });

try {
  // 1. The sidebar: every session the daemon knows, newest first.
  const { sessions } = await client.methods.session.list();
  console.log(`${sessions.length} session(s)`);
  for (const s of sessions) console.log(`  ${s.name}  ${s.state}  ${s.argv.join(' ')}`);

  // 2. Start an "agent" on a terminal, detached (it outlives this client), allowed to write in
  //    the workdir only, with a snapshot of the workdir before and after for diff and rollback.
  const name = `example-${process.pid}`;
  const notes = `NOTES-${process.pid}.md`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== undefined));
  await client.methods.session.run({
    argv: ['sh', '-c', `printf 'ready> '; read line; echo "$line" >> ${notes}; echo "wrote ${notes}"`],
    cwd: workdir,
    env,
    grants: { allow: [workdir] },
    snapshot: true,
    detached: true,
    terminal: { rows: 24, cols: 80 },
    name,
  });

  // 3. The terminal view: draw the screen as it is now, then every output chunk as it comes
  //    (a plugin writes both into xterm.js); type into the session once it prompts.
  const view = await client.attach(name, { size: { rows: 24, cols: 80 } });
  let screen = view.screen?.toString('utf8') ?? '';
  let typed = false;
  const typeWhenPrompted = async () => {
    if (!typed && screen.includes('ready> ')) {
      typed = true;
      await view.input('hello from the editor\r');
    }
  };
  await typeWhenPrompted();
  for await (const event of view) {
    if (event.type === 'output') {
      screen += event.data.toString('utf8');
      await typeWhenPrompted();
    } else if (event.type === 'resize') {
      console.log(`terminal is now ${event.cols}x${event.rows}`);
    } else if (event.type === 'exit') {
      console.log(`agent exited with ${event.exitCode}`);
    }
  }
  console.log(`terminal view:\n${screen.replace(/\r/g, '').trimEnd()}`);

  // 4. The diff view: what the agent changed, with a unified diff of each text file.
  const diff = await client.methods.session.diff({ session: name, detail: 'patch' });
  for (const tree of diff.trees) {
    for (const change of tree.changes) {
      console.log(`${change.kind} ${change.path}${change.added !== undefined ? ` (+${change.added} -${change.removed})` : ''}`);
      if (change.patch) console.log(change.patch.trimEnd());
    }
  }

  // 5. Roll back, with a progress bar fed by progress notifications.
  const rollback = client.withProgress('session.rollback', { session: name });
  for await (const step of rollback.progress) console.log(`rolling back: ${step.phase} ${step.files}/${step.totalFiles ?? '?'} files`);
  const restored = await rollback.result;
  const undone = restored.trees.flatMap((tree) => tree.changes.map((change) => `${change.kind} ${change.path}`));
  console.log(`rolled back: ${undone.join(', ') || 'nothing to undo'}`);
} catch (error) {
  // Every error has a stable kind (docs/errors.md); INVALID_PARAMS also names the field.
  console.error(`nono: ${error.kind ?? 'ERROR'}: ${error.message}`);
  process.exitCode = 1;
} finally {
  client.close();
}
