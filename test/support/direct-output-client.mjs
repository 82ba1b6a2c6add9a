// A client library user on a terminal, for direct-output.test.ts: it attaches to the session
// named in argv asking nonod to write the output to this terminal itself (or not, with
// "relay"; with "leave" it detaches before it is ready), writes a line of its own before it says ready, types `go` and, once the session
// has exited, says how many output events it was sent. Everything it prints goes to the same
// terminal as nonod's writes, so the test can check their order on screen.
// "run" runs `true` on this terminal instead, and says whether that failed. Two modes for the
// attack tests: "probe" only says on stderr whether nonod took the terminal
// (its stdout may be a read-only open of it); "held OTHER" never says ready, attaches read-only to
// the session OTHER as well and says how much of OTHER's output reached it in two seconds.
import { fstatSync } from 'node:fs';
import { connect } from '@nono/client';

const [name, mode] = process.argv.slice(2);
// A login hands its user the terminal; the test's PTY is chowned just after this starts.
for (let waited = 0; process.stdout.isTTY && fstatSync(1).uid !== process.getuid() && waited < 5000; waited += 20) {
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const client = await connect({ autoStart: false });
if (mode === 'run') {
  // Runs `true` on this terminal with direct output, says how that ended, and stays connected a while.
  try {
    const run = await client.run({ argv: ['true'], cwd: process.cwd(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, terminal: { rows: 24, cols: 80 }, directOutput: true });
    process.stdout.write(`RAN direct=${run.directOutput}\r\n`);
  } catch (error) {
    process.stdout.write(`FAILED ${error.kind ?? error.code} ${error.message}\r\n`);
  }
  await new Promise((resolve) => setTimeout(resolve, 3000));
  client.close();
  process.exit(0);
}
const session = await client.attach(name, { size: { rows: 24, cols: 80 }, directOutput: mode !== 'relay' });
if (mode === 'probe') {
  process.stderr.write(`direct=${session.directOutput}\r\n`);
  client.close();
  process.exit(0);
}
process.stdout.write(`direct=${session.directOutput}\r\n`);
if (mode === 'held') {
  const other = await client.attach(process.argv[4], { readOnly: true });
  let bytes = 0;
  const counting = (async () => {
    for await (const event of other) if (event.type === 'output') bytes += event.data.length;
  })();
  await Promise.race([counting, new Promise((resolve) => setTimeout(resolve, 2000))]);
  process.stdout.write(`OTHER-BYTES=${bytes}\r\n`);
  client.close();
  process.exit(0);
}
if (mode === 'leave') {
  // Leaves before its terminal was ever ready: the output held for it is dropped, and the detach is answered.
  await session.detach();
  process.stdout.write('LEFT\r\n');
  client.close();
  process.exit(0);
}
await new Promise((resolve) => setTimeout(resolve, 300));
process.stdout.write('BEFORE-READY\r\n');
session.ready();
let outputs = 0;
await session.input('go\n');
for await (const event of session) {
  if (event.type === 'output') {
    outputs++;
    process.stdout.write(event.data);
  }
}
process.stdout.write(`EXIT outputs=${outputs}\r\n`);
client.close();
