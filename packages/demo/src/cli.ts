#!/usr/bin/env node
import { runCli } from './cli/runCli.js';

// The `ddpx` command: `ddpx connect|call|sub <url> …`. See docs/cli.md.
const interrupted = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});
const code = await runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  interrupted,
});
process.exitCode = code;
// Let stdout drain, then leave even if a socket is still closing.
setTimeout(() => process.exit(code), 50).unref();
