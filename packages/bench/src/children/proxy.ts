// The balancer of the rolling restart: @ddpx/testing's re-pointable TCP proxy, alone in its process.
import { startFaultProxy } from '@ddpx/testing';
import { emit, serve } from '../ipc.js';

const { target } = JSON.parse(process.argv[2] ?? '{}') as { target: number };
const proxy = await startFaultProxy(target);

serve((cmd, arg) => {
  switch (cmd) {
    case 'retarget':
      proxy.retarget(arg as number);
      return proxy.target.port;
    case 'cpu': {
      const cpu = process.cpuUsage();
      return cpu.user + cpu.system;
    }
    case 'stats':
      return { accepted: proxy.accepted, open: proxy.open };
    default:
      throw new Error(`unknown command ${cmd}`);
  }
});

emit('listening', { port: proxy.port, url: proxy.wsUrl });
