import type { ClientConnectionEvent } from '@ddpx/statecharts';

const noop = () => {};

/** Subscribes the chart to browser signals (online/offline, page visible); returns the remover. */
export function watchEnvironment(send: (event: ClientConnectionEvent) => void): () => void {
  const w = (globalThis as { window?: EventTarget }).window;
  const d = (globalThis as { document?: EventTarget & { visibilityState?: string } }).document;
  if (!w || typeof w.addEventListener !== 'function') return noop;
  const online = () => send({ type: 'NETWORK.ONLINE' });
  const offline = () => send({ type: 'NETWORK.OFFLINE' });
  const visible = () => d?.visibilityState === 'visible' && send({ type: 'PAGE.VISIBLE' });
  w.addEventListener('online', online);
  w.addEventListener('offline', offline);
  d?.addEventListener?.('visibilitychange', visible);
  return () => {
    w.removeEventListener('online', online);
    w.removeEventListener('offline', offline);
    d?.removeEventListener?.('visibilitychange', visible);
  };
}
