/*
 * `nono run` served by the daemon itself over the runtime dir's run.sock, with no Node process
 * (daemon/src/launch/launcher-runs.ts is the other end). Frames both ways: a type byte, the
 * data's length as 4 bytes little-endian, the data (daemon/src/launch/run-frames.ts):
 *   launcher: 'q' once: the wire's version (RUN_WIRE_VERSION; the daemon turns down any other,
 *                so a launcher and a daemon of different installs fall back to a warm client),
 *                a flags byte (bit 0, 1, 2: stdin, stdout, stderr is a terminal), then
 *                NUL-terminated strings: the daemon's secret, the working directory, the
 *                argument count, the arguments (without argv[0]), the environment;
 *             after 'a' only: 'i' stdin bytes, 'd' stdin ended, 's' a signal's number (decimal).
 *   daemon:   'N' nothing ran and nothing will (the launcher goes on as without run.sock);
 *             'e' before 'a': the lines the client prints before a run;
 *             'a' the session started; then 'o' stdout bytes, 'e' stderr bytes;
 *             'r' run `nono run-report DATA` after the exit (there is more to print);
 *             'x' the exit status (decimal), last; the connection then closes.
 */
#ifndef NONO_DAEMON_RUN_H
#define NONO_DAEMON_RUN_H

#define RUN_SOCKET_NAME "run.sock"
#define RUN_WIRE_VERSION 1
/* daemon_run's answer when the daemon did not take the command: nothing ran, no stdin was read. */
#define DAEMON_NOT_RUN (-2)

/*
 * Runs argv's command line in the daemon when it takes it: returns the exit status, with
 * *report set (malloc'd) when `nono run-report *report` is still to run, else DAEMON_NOT_RUN.
 */
int daemon_run(int argc, char **argv, const char *secret, char **report);

#endif
