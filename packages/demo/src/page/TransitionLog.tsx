import { useEffect, useState } from 'react';
import { type TransitionRecord, transitions } from './transitionFeed.js';

/** Every event the connection machine took, newest first, with the state it led to. */
export function TransitionLog() {
  const [list, setList] = useState<readonly TransitionRecord[]>(transitions.list());
  useEffect(() => transitions.subscribe(setList), []);
  return (
    <section className="panel transitions-log">
      <h2>Transitions</h2>
      <ol className="numbered" data-testid="transition-log">
        {list.map((t) => (
          <li key={t.n}>
            <span className="seq">#{t.n}</span>{' '}
            <span className="time">{new Date(t.at).toLocaleTimeString()}</span> <code>{t.event}</code> →{' '}
            <code>{t.value}</code>
          </li>
        ))}
      </ol>
    </section>
  );
}
