import type { ClientStatus, Connection } from '@ddpx/client';
import { statusEquals, statusFromSnapshot } from '@ddpx/statecharts';
import { useSelector } from '@xstate/react';
import { useCallback, useContext } from 'react';
import { DDPContext } from './context.js';

type Snapshot = ReturnType<Connection['actor']['getSnapshot']>;

/**
 * The connection's status object (`{ connected, status, retryCount, retryTime?, reason? }`), selected
 * from the connection's actor with `@xstate/react`'s `useSelector`. The component re-renders only when
 * the status changes (field by field), not on every machine transition (heartbeats, replay substates).
 * The object returned is the connection's own `status()` object whenever it is current.
 * @param connection the connection to watch. @default the one from {@link DDPProvider}
 */
export function useStatus(connection?: Connection): ClientStatus {
  const fromContext = useContext(DDPContext);
  const conn = connection ?? fromContext;
  if (!conn) {
    throw new Error('useStatus(): pass a connection or wrap the component in <DDPProvider connection={…}>');
  }
  const select = useCallback(
    (snapshot: Snapshot): ClientStatus => {
      const derived = statusFromSnapshot(snapshot);
      const own = conn.status();
      return statusEquals(own, derived) ? own : derived;
    },
    [conn],
  );
  return useSelector(conn.actor, select, statusEquals);
}
