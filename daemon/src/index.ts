// Programmatic entry for tests and embedders: start a daemon in-process.
export { startDaemon, VERSION, type DaemonOptions } from './daemon.js';
export { runDaemon } from './run-daemon.js';
