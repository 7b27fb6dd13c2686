// Measures the CPU of a client's status transitions, alone in this process.
import { serve } from '../ipc.js';
import { measureTransitions } from '../transitionCost.js';

serve((cmd, arg) => {
  if (cmd === 'run') return measureTransitions(arg as number);
  throw new Error(`unknown command ${cmd}`);
});
