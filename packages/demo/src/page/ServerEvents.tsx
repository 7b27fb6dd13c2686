import { useEffect, useState } from 'react';

interface EventsResponse {
  up: boolean;
  generation: number;
  sessions: number;
  events: { at: number; event: string; session?: string; detail?: string }[];
}

/** The demo server's own lifecycle events (connection, detach, resume, close with its reason), polled. */
export function ServerEvents() {
  const [data, setData] = useState<EventsResponse | undefined>();
  useEffect(() => {
    let stopped = false;
    const poll = () =>
      fetch('/admin/events')
        .then((r) => r.json() as Promise<EventsResponse>)
        .then((d) => stopped || setData(d))
        .catch(() => {});
    void poll();
    const timer = setInterval(poll, 1000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return (
    <section className="panel server-events">
      <h2>
        Server{' '}
        <small data-testid="server-state">
          {data ? (data.up ? `up (#${data.generation}), ${data.sessions} sessions` : 'restarting…') : '…'}
        </small>
      </h2>
      <ol>
        {[...(data?.events ?? [])]
          .reverse()
          .slice(0, 12)
          .map((e) => (
            <li key={`${e.at}-${e.event}-${e.session ?? ''}`}>
              <span className="time">{new Date(e.at).toLocaleTimeString()}</span> <strong>{e.event}</strong>{' '}
              {e.session ? <code>{e.session.slice(0, 6)}…</code> : null} {e.detail}
            </li>
          ))}
      </ol>
    </section>
  );
}
