import { connect, MemoryServer } from '@ddpx/client';
import { SimulatedClock } from 'xstate';

/** CPU cost of status transitions on one client. */
export interface TransitionCost {
  transitions: number;
  /** CPU µs per 1,000 status transitions (user + system). */
  cpuUsPer1000: number;
}

/**
 * Drives one real Connection through connecting → connected → waiting → connecting … over the
 * in-memory transport, timers on a SimulatedClock, and measures the CPU per 1,000 status changes
 * (each includes the chart's transition, the status object and the `onStatus` callback).
 */
export async function measureTransitions(target: number): Promise<TransitionCost> {
  const run = async (n: number) => {
    const server = new MemoryServer();
    const clock = new SimulatedClock();
    const conn = connect('ws://bench.invalid/websocket', {
      transport: server.transport,
      clock,
      heartbeatInterval: 0,
      logger: { warn: () => {}, error: () => {} },
    });
    let transitions = 0;
    conn.onStatus(() => transitions++);
    const cpu0 = process.cpuUsage();
    while (transitions < n) {
      await Promise.resolve();
      const socket = server.current;
      socket.accept(); // → connected
      socket.receive({ msg: 'connected', session: 's' });
      socket.drop(); // → waiting
      clock.increment(20); // backoff (10 ms) → connecting
    }
    const cpu = process.cpuUsage(cpu0);
    conn.close();
    return { transitions, cpuUsPer1000: ((cpu.user + cpu.system) / transitions) * 1000 };
  };
  await run(Math.min(300, target)); // warm-up
  return run(target);
}
