import type { ClientStatus, Connection } from '@ddpx/client';
import { useState } from 'react';
import { useCollection, useConnection, useStatus, useSubscription } from '../src/index.js';

/** What the test components saw, for assertions. */
export const probe = {
  connection: undefined as Connection | undefined,
  statuses: [] as ClientStatus[],
  setList: (_list: string) => {},
  rerender: () => {},
};

export function ConnectionProbe() {
  probe.connection = useConnection();
  return null;
}

export function StatusView() {
  const status = useStatus();
  probe.statuses.push(status);
  return <p data-testid="status">{status.status}</p>;
}

export function ExplicitStatus({ connection }: { connection: Connection }) {
  return <p data-testid="s">{useStatus(connection).status}</p>;
}

function TaskList() {
  const { ready } = useSubscription('tasks');
  const tasks = useCollection('tasks');
  return (
    <div>
      <p data-testid="ready">{String(ready)}</p>
      <ul>
        {tasks.map((t) => (
          <li key={t._id}>{String(t.title)}</li>
        ))}
      </ul>
    </div>
  );
}

export function HideableTasks() {
  const [show, setShow] = useState(true);
  return (
    <>
      <button type="button" onClick={() => setShow(false)}>
        hide
      </button>
      {show && <TaskList />}
    </>
  );
}

export function FilteredTasks() {
  const [list, setList] = useState('work');
  const [, bump] = useState(0);
  probe.setList = setList;
  probe.rerender = () => bump((n) => n + 1);
  const { ready } = useSubscription('tasks', list, { sort: 'title' });
  const docs = useCollection('tasks', { list });
  return (
    <p data-testid="out">
      {String(ready)}:{docs.map((d) => d._id).join(',')}
    </p>
  );
}

export function MaybeSubscribed({ name }: { name: string | null }) {
  const { ready, error } = useSubscription(name);
  return <p data-testid="b">{`${ready}:${error?.error ?? '-'}`}</p>;
}
