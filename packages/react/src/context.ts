import type { Connection } from '@ddpx/client';
import { createContext } from 'react';

/** The React context {@link DDPProvider} fills; `undefined` outside a provider. */
export const DDPContext = createContext<Connection | undefined>(undefined);
DDPContext.displayName = 'DDPContext';
