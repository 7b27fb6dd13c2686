// @vitest-environment jsdom
import type { Connection } from '@ddpx/client';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { type ReactNode, StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DDPProvider } from '../src/index.js';
import {
  ConnectionProbe,
  ExplicitStatus,
  FilteredTasks,
  HideableTasks,
  MaybeSubscribed,
  probe,
  StatusView,
} from './components.js';
import { type Fixture, startFixture } from './fixture.js';

const heartbeat = (conn: Connection) => JSON.stringify(conn.actor.getSnapshot().value);
const pause = (ms: number) => act(() => new Promise<void>((r) => setTimeout(r, ms)));

describe.each([
  ['without StrictMode', false],
  ['in StrictMode', true],
])('@ddpx/react %s', (_label, strict) => {
  let fx: Fixture;
  let conn: Connection;

  beforeEach(async () => {
    fx = await startFixture();
    conn = fx.connect();
    probe.connection = undefined;
    probe.statuses = [];
  });
  afterEach(async () => {
    cleanup();
    await fx.close();
  });

  const tree = (ui: ReactNode) => {
    const inner = <DDPProvider connection={conn}>{ui}</DDPProvider>;
    return strict ? <StrictMode>{inner}</StrictMode> : inner;
  };
  const wrap = (ui: ReactNode) => render(tree(ui));

  it('useConnection returns the provided connection and throws outside a provider', () => {
    wrap(<ConnectionProbe />);
    expect(probe.connection).toBe(conn);
    const original = console.error;
    console.error = () => {};
    try {
      expect(() => render(<ConnectionProbe />)).toThrow(/DDPProvider/);
    } finally {
      console.error = original;
    }
  });

  it('useStatus follows the status and re-renders only when the status object changes', async () => {
    wrap(<StatusView />);
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('connected'));
    expect(probe.statuses.at(-1)).toBe(conn.status());
    expect(probe.statuses.at(-1)).toEqual({ connected: true, status: 'connected', retryCount: 0 });
    await waitFor(() => expect(heartbeat(conn)).toContain('"heartbeat":"idle"'));

    // A transition that leaves the status alone (a liveness ping and its pong) renders nothing.
    const renders = probe.statuses.length;
    const before = conn.actor.getSnapshot();
    act(() => conn.actor.send({ type: 'NETWORK.OFFLINE' }));
    expect(conn.actor.getSnapshot()).not.toBe(before);
    expect(heartbeat(conn)).toContain('"heartbeat":"pinging"');
    await waitFor(() => expect(heartbeat(conn)).toContain('"heartbeat":"idle"'));
    expect(probe.statuses.length).toBe(renders);

    act(() => conn.disconnect());
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('offline'));
    expect(probe.statuses.at(-1)).toEqual({ connected: false, status: 'offline', retryCount: 0 });
    act(() => conn.reconnect());
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('connected'));
  });

  it('useStatus(connection) works without a provider', async () => {
    const ui = <ExplicitStatus connection={conn} />;
    render(strict ? <StrictMode>{ui}</StrictMode> : ui);
    await waitFor(() => expect(screen.getByTestId('s').textContent).toBe('connected'));
  });

  it('useSubscription reports readiness, useCollection shows live documents, unmount stops', async () => {
    wrap(<HideableTasks />);
    expect(screen.getByTestId('ready').textContent).toBe('false');
    await waitFor(() => expect(screen.getByTestId('ready').textContent).toBe('true'));
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'write docs',
      'buy milk',
      'fix bug',
    ]);
    expect(fx.live.size).toBe(1);

    await act(() => conn.call('addTask', 'd', 'call mum', 'home'));
    await waitFor(() => expect(screen.getAllByRole('listitem')).toHaveLength(4));
    expect(screen.getByText('call mum')).toBeTruthy();

    act(() => screen.getByText('hide').click());
    await waitFor(() => expect(fx.live.size).toBe(0));
    await waitFor(() => expect(conn.collection('tasks').find()).toHaveLength(0));
  });

  it('useSubscription restarts when its arguments change, not when an equal literal is passed', async () => {
    wrap(<FilteredTasks />);
    await waitFor(() => expect(screen.getByTestId('out').textContent).toBe('true:a,c'));
    const startedBefore = fx.started.length;
    act(() => probe.rerender());
    await pause(30);
    expect(fx.started.length).toBe(startedBefore);
    expect(fx.live.size).toBe(1);

    act(() => probe.setList('home'));
    await waitFor(() => expect(screen.getByTestId('out').textContent).toBe('true:b'));
    expect(fx.started.at(-1)).toEqual(['home', { sort: 'title' }]);
    await waitFor(() => expect(fx.live.size).toBe(1));
    expect([...fx.live.values()][0]?.args[0]).toBe('home');
  });

  it('useSubscription exposes the server error and subscribes to nothing for a null name', async () => {
    const view = wrap(<MaybeSubscribed name={null} />);
    await pause(20);
    expect(screen.getByTestId('b').textContent).toBe('false:-');
    expect(fx.started).toHaveLength(0);
    view.rerender(tree(<MaybeSubscribed name="broken" />));
    await waitFor(() => expect(screen.getByTestId('b').textContent).toBe('false:not-allowed'));
  });
});
