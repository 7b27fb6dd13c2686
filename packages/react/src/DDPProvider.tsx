import type { Connection } from '@ddpx/client';
import type { ReactNode } from 'react';
import { DDPContext } from './context.js';

/** Props of {@link DDPProvider}. */
export interface DDPProviderProps {
  /** The connection the hooks below use (from `connect(url, options)`); the provider never closes it. */
  connection: Connection;
  /** The app. */
  children?: ReactNode;
}

/**
 * Makes `connection` available to `useConnection`, `useStatus`, `useSubscription` and `useCollection`.
 * The provider does not own the connection: create it once (module scope or `useState`) and close it
 * yourself when the app is done with it.
 */
export function DDPProvider({ connection, children }: DDPProviderProps): ReactNode {
  return <DDPContext.Provider value={connection}>{children}</DDPContext.Provider>;
}
