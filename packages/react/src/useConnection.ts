import type { Connection } from '@ddpx/client';
import { useContext } from 'react';
import { DDPContext } from './context.js';

/** The connection of the nearest {@link DDPProvider}; throws a clear error outside one. */
export function useConnection(): Connection {
  const connection = useContext(DDPContext);
  if (!connection) {
    throw new Error(
      'useConnection(): no connection here; wrap the component in <DDPProvider connection={…}>',
    );
  }
  return connection;
}
