import { useConnection } from '@ddpx/react';
import { useCallback, useState } from 'react';

/** One method call and its fate. */
interface Entry {
  n: number;
  label: string;
  sentWhile: string;
  fate: 'pending' | 'result' | 'error';
  detail: string;
  ms?: number;
}

const MAX_ENTRIES = 30;

/** Buttons that call the demo's methods, and a log of each call's fate (result, error, still pending). */
export function MethodLog() {
  const connection = useConnection();
  const [entries, setEntries] = useState<Entry[]>([]);
  const call = useCallback(
    (name: string, ...args: unknown[]) => {
      const n = Date.now() + Math.random();
      const started = performance.now();
      const entry: Entry = {
        n,
        label: `${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`,
        sentWhile: connection.status().status,
        fate: 'pending',
        detail: 'waiting for the server…',
      };
      setEntries((list) => [entry, ...list].slice(0, MAX_ENTRIES));
      const settle = (fate: Entry['fate'], detail: string) =>
        setEntries((list) =>
          list.map((e) =>
            e.n === n ? { ...e, fate, detail, ms: Math.round(performance.now() - started) } : e,
          ),
        );
      connection.apply(name, args).then(
        (result) => settle('result', JSON.stringify(result)),
        (error: Error) => settle('error', error.message),
      );
    },
    [connection],
  );
  return (
    <section className="panel methods">
      <h2>Methods</h2>
      <div className="buttons">
        <button type="button" onClick={() => call('add', 2, 3)}>
          add(2, 3)
        </button>
        <button type="button" onClick={() => call('slow', 5000)}>
          slow(5000)
        </button>
        <button type="button" onClick={() => call('fail')}>
          fail()
        </button>
      </div>
      <ol className="log" data-testid="method-log">
        {entries.map((e) => (
          <li key={e.n} className={`fate-${e.fate}`} data-fate={e.fate}>
            <code>{e.label}</code> sent while {e.sentWhile} → <strong>{e.fate}</strong> {e.detail}
            {e.ms === undefined ? '' : ` (${e.ms} ms)`}
          </li>
        ))}
      </ol>
    </section>
  );
}
