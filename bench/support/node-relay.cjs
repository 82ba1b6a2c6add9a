// The least a Node process can do on nonod's key path: read the client's terminal, write the
// key to a PTY running `cat`, read the echo, write it to the terminal. sessions.bench.mjs times
// it beside nono and tmux, so a run shows what any Node process on that path reaches on this
// machine (issue 25: "the relay alone").
'use strict';
const pty = require('node-pty');

process.stdin.setRawMode(true);
const session = pty.spawn('cat', [], { cols: 80, rows: 24 });
process.stdin.on('data', (keys) => session.write(keys));
session.onData((echo) => process.stdout.write(echo));
session.onExit(() => process.exit(0));
