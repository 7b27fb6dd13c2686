import type { CliTransport } from './checkUrl.js';

/** Where commands write and how they learn they should stop (Ctrl-C, or the reader of stdout went away). */
export interface CliIo {
  /** Writes one line to stdout. */
  out(line: string): void;
  /** Writes one line to stderr. */
  err(line: string): void;
  /** Resolves when the user interrupts (Ctrl-C) or stdout's reader is gone (EPIPE). */
  interrupted: Promise<void>;
}

/** Flags shared by the commands. */
export interface CommonFlags {
  /** `-t`; `undefined` picks it from the URL. */
  transport: CliTransport | undefined;
  /** `--json`. */
  json: boolean;
  /** `--connect-timeout`. */
  connectTimeoutMs: number | undefined;
}
