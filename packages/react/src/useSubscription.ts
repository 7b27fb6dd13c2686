import type { DDPError } from '@ddpx/client';
import { useEffect, useRef, useState } from 'react';
import { argsKey } from './argsKey.js';
import { useConnection } from './useConnection.js';

/** What {@link useSubscription} returns. */
export interface SubscriptionState {
  /** Whether the subscription's initial data is in (stays true across reconnects). */
  readonly ready: boolean;
  /** The server's error when the publication failed (`nosub` with an error); the subscription is over. */
  readonly error: DDPError | undefined;
}

interface Tracked extends SubscriptionState {
  readonly key: string;
}

const identities = new WeakMap<object, number>();

/**
 * Subscribes to publication `name` with `args` while the component is mounted; stops on unmount and
 * restarts when `name` or the arguments change (compared by their JSON, so literals are fine). Pass
 * `null` or `undefined` as the name to subscribe to nothing (a conditional subscription).
 */
export function useSubscription(name: string | null | undefined, ...args: unknown[]): SubscriptionState {
  const connection = useConnection();
  const key = name == null ? '' : `${name}\u0000${argsKey(args, identities)}`;
  const argsRef = useRef(args);
  argsRef.current = args;
  const [state, setState] = useState<Tracked>({ key: '', ready: false, error: undefined });

  useEffect(() => {
    if (name == null) return;
    let active = true;
    const handle = connection.subscribe(name, ...argsRef.current, {
      onReady: () => {
        if (active) setState({ key, ready: true, error: undefined });
      },
      onStop: (error?: DDPError) => {
        if (active) setState({ key, ready: false, error });
      },
    });
    setState((prev) =>
      prev.key === key && prev.ready === handle.ready()
        ? prev
        : { key, ready: handle.ready(), error: undefined },
    );
    return () => {
      active = false;
      handle.stop();
    };
  }, [connection, key, name]);

  return state.key === key && key !== '' ? { ready: state.ready, error: state.error } : NOT_READY;
}

const NOT_READY: SubscriptionState = Object.freeze({ ready: false, error: undefined });
