/** The `ddpx` CLI's exit codes (documented in docs/cli.md). */
export const EXIT = Object.freeze({
  /** Success (or the user pressed Ctrl-C to end `connect` / `sub`). */
  ok: 0,
  /** The server answered with an error: a method threw, a subscription was refused or stopped with one. */
  serverError: 1,
  /** Bad usage: unknown command or flag, a URL ddpx cannot use, an argument that is not JSON. */
  usage: 2,
  /** The connection could not be made or was lost for good: refused, unreachable, timed out, closed. */
  connection: 3,
  /** The server and ddpx share no DDP version (the server sent `failed`). */
  negotiation: 4,
  /** No answer within `--timeout`. */
  timeout: 5,
  /** `call` was interrupted (Ctrl-C) before the result came. */
  interrupted: 130,
});

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends the CLI with a given exit code and a one-line message. */
export class CliError extends Error {
  constructor(
    /** The process exit code. */
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
