import type { Doc, Selector } from '@ddpx/client';
import { useCallback, useMemo, useSyncExternalStore } from 'react';
import { useConnection } from './useConnection.js';

/**
 * The live documents of the connection's local collection `name` (fed by subscriptions), re-rendering
 * on every applied change. Documents are immutable snapshots: an unchanged document keeps its identity.
 * With a `selector` (a predicate or fields that must be equal) only the matching documents are returned;
 * keep a predicate stable (`useCallback`) or it is re-applied on every render.
 */
export function useCollection(name: string, selector?: Selector): readonly Doc[] {
  const collection = useConnection().collection(name);
  const subscribe = useCallback((onChange: () => void) => collection.onChange(onChange), [collection]);
  const getSnapshot = useCallback(() => collection.find(), [collection]);
  const docs = useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
  const selectorKey = typeof selector === 'object' ? JSON.stringify(selector) : selector;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the selector is compared through selectorKey
  return useMemo(
    () => (selector === undefined ? docs : collection.find(selector)),
    [docs, collection, selectorKey],
  );
}
