// Programmatic entry for tests and embedders: start a daemon in-process.
export { startDaemon, VERSION } from './daemon.js';
