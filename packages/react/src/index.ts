export { DDPContext } from './context.js';
export { DDPProvider, type DDPProviderProps } from './DDPProvider.js';
export { useCollection } from './useCollection.js';
export { useConnection } from './useConnection.js';
export { useStatus } from './useStatus.js';
export { type SubscriptionState, useSubscription } from './useSubscription.js';
