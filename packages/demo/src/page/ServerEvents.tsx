import { useEffect, useState } from 'react';

interface ServerState {
  up: boolean;
  generation: number;
  sessions: number;
  events: { seq: number; at: number; event: string; session?: string; detail?: string }[];
}

/**
 * The demo server's own lifecycle events (connection, detach, resume, close with its reason), pushed by
 * the server as Server-Sent Events (`/admin/events/stream`); `EventSource` reconnects by itself.
 */
export function ServerEvents() {
  const [data, setData] = useState<ServerState | undefined>();
  const [streaming, setStreaming] = useState(false);
  useEffect(() => {
    const source = new EventSource('/admin/events/stream');
    source.onmessage = (message: MessageEvent<string>) => {
      setData(JSON.parse(message.data) as ServerState);
      setStreaming(true);
    };
    source.onerror = () => setStreaming(false);
    return () => source.close();
  }, []);
  return (
    <section className="panel server-events">
      <h2>
        Server{' '}
        <small data-testid="server-state">
          {data
            ? data.up
              ? `up (#${data.generation}), ${data.sessions} ${data.sessions === 1 ? 'session' : 'sessions'}`
              : 'restarting…'
            : '…'}
        </small>
        {streaming ? null : <small className="hint">(reconnecting to the event stream)</small>}
      </h2>
      <ol className="numbered" data-testid="server-events">
        {[...(data?.events ?? [])]
          .reverse()
          .slice(0, 12)
          .map((e) => (
            <li key={e.seq} data-seq={e.seq}>
              <span className="seq">#{e.seq}</span>{' '}
              <span className="time">{new Date(e.at).toLocaleTimeString()}</span> <strong>{e.event}</strong>{' '}
              {e.session ? <code>{e.session.slice(0, 6)}…</code> : null} {e.detail}
            </li>
          ))}
      </ol>
    </section>
  );
}
