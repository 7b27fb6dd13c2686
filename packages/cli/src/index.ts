export { type CheckedUrl, type CliTransport, checkUrl, describeTarget } from './checkUrl.js';
export type { CliIo, CommonFlags } from './cliIo.js';
export { describeLoss, type LossLike } from './describeLoss.js';
export { CliError, EXIT, type ExitCode } from './exitCodes.js';
export { formatDelay, toJson } from './format.js';
export { INSPECTOR_PACKAGE, inspectCommand } from './inspectCommand.js';
export { runCli } from './runCli.js';
export { USAGE } from './usage.js';
