#!/usr/bin/env node
// The `ddpx` executable: `ddpx connect|call|sub|inspect …`. See docs/cli.md.
import { runCli } from './runCli.js';

let stop: () => void = () => {};
const interrupted = new Promise<void>((resolve) => {
  stop = resolve;
});
process.once('SIGINT', () => stop());
process.once('SIGTERM', () => stop());

// `ddpx sub … | head -3`: once the reader is gone, stop like Ctrl-C (exit 0) instead of dying on EPIPE.
let stdoutGone = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  stdoutGone = true;
  stop();
});
process.stderr.on('error', () => {});

const code = await runCli(process.argv.slice(2), {
  out: (line) => {
    if (!stdoutGone) process.stdout.write(`${line}\n`);
  },
  err: (line) => process.stderr.write(`${line}\n`),
  interrupted,
});
process.exitCode = code;
// Leave even if a socket is still closing (stdout and stderr are written synchronously to pipes and files).
setTimeout(() => process.exit(code), 50).unref();
