import { useState } from 'react';
import type { InspectorModel, ServerRecord } from '../model.js';
import type { SessionSummary } from '../wire.js';
import { ActorView, seconds, useNow } from './ActorView.js';
import { CountsPlot } from './CountsPlot.js';
import { sendRequest } from './inspectorStore.js';

const MAX_ROWS = 300;

function top(state: string): string {
  return state.split('.')[0] ?? state;
}

function stateLabel(s: SessionSummary): string {
  const t = top(s.state);
  if (t === 'established' && s.resumes > 0) return `resumed ×${s.resumes}`;
  if (t === 'awaitingConnect') return 'awaiting connect';
  return t;
}

function matches(s: SessionSummary, text: string, state: string): boolean {
  if (state && top(s.state) !== state) return false;
  if (!text) return true;
  const t = text.toLowerCase();
  return [s.id, s.clientAddress ?? '', s.state, s.closeReason ?? '', s.transport].some((f) =>
    f.toLowerCase().includes(t),
  );
}

/**
 * One ddpx server: the counts (sessions by state, resumes, closes by reason) now and over time, and
 * every session in a live, filterable table; a click asks the server to stream that session's chart.
 */
export function ServerView({ server, model }: { server: ServerRecord; model: InspectorModel }) {
  const now = useNow(250);
  const [text, setText] = useState('');
  const [state, setState] = useState('');
  const [focused, setFocused] = useState<string | null>(null);
  const focus = (id: string | null) => {
    setFocused(id);
    sendRequest({ type: 'focus', producer: server.producer, serverId: server.serverId, sessionId: id });
  };
  const all = [...server.sessions.values()];
  const rows = all
    .filter((s) => matches(s, text, state))
    .sort((a, b) => Number(a.state === 'closed') - Number(b.state === 'closed') || b.since - a.since);
  const live = Object.values(server.counts.byState).reduce((a, b) => a + b, 0);
  const actor = focused ? model.actors.get(`${server.producer}/${focused}`) : undefined;
  const states = Object.keys(server.counts.byState).sort();
  return (
    <div className="server" data-testid="server-view" data-server={server.key}>
      <h2>
        {server.name} {!server.live && <span className="badge gone">gone</span>}
      </h2>
      <div className="counts">
        <span className="chip">
          live <strong data-testid="count-live">{live}</strong>
        </span>
        {states.map((s) => (
          <span key={s} className={`chip state-${s}`}>
            {s} <strong data-testid={`count-${s}`}>{server.counts.byState[s]}</strong>
          </span>
        ))}
        <span className="chip">
          resumes <strong data-testid="count-resumes">{server.counts.resumes}</strong>
        </span>
        {Object.entries(server.counts.closes).map(([reason, n]) => (
          <span key={reason} className="chip closed">
            closed: {reason} <strong data-testid={`close-${reason}`}>{n}</strong>
          </span>
        ))}
        {server.dropped > 0 && <span className="chip warn">{server.dropped} batches dropped</span>}
      </div>
      <CountsPlot server={server} />
      <div className="filters">
        <input
          data-testid="session-filter"
          placeholder="filter: id, address, state, reason"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <select data-testid="state-filter" value={state} onChange={(e) => setState(e.target.value)}>
          <option value="">every state</option>
          {['awaitingConnect', 'negotiating', 'established', 'departing', 'detached', 'closed'].map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <span data-testid="row-count">
          {rows.length} of {all.length} sessions{rows.length > MAX_ROWS ? ` (first ${MAX_ROWS} shown)` : ''}
        </span>
      </div>
      <table className="sessions" data-testid="sessions">
        <thead>
          <tr>
            <th>session</th>
            <th>client</th>
            <th>state</th>
            <th>since</th>
            <th>subs</th>
            <th>methods</th>
            <th>held bytes</th>
            <th>closed because</th>
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, MAX_ROWS).map((s) => (
            <tr
              key={s.id}
              data-testid="session-row"
              data-session={s.id}
              data-state={top(s.state)}
              className={`${s.id === focused ? 'focused ' : ''}state-${top(s.state)}`}
              onClick={() => focus(s.id === focused ? null : s.id)}
            >
              <td>
                <code>{s.id}</code>
              </td>
              <td>
                {s.clientAddress ?? '?'} <span className="muted">{s.transport}</span>
              </td>
              <td data-testid="session-state">
                {stateLabel(s)}
                {s.graceEndsAt !== undefined && top(s.state) === 'detached' && (
                  <>
                    {' '}
                    <span className="countdown" data-testid="grace-remaining">
                      grace {seconds(s.graceEndsAt - now)}
                    </span>
                  </>
                )}
              </td>
              <td>{seconds(now - s.since)} ago</td>
              <td>{s.subscriptions}</td>
              <td>{s.methodsInFlight}</td>
              <td>{s.bufferedBytes}</td>
              <td>{s.closeReason ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {focused && (
        <section className="focused-session" data-testid="focused-session">
          <h3>
            Session <code>{focused}</code>{' '}
            <button type="button" onClick={() => focus(null)}>
              close
            </button>
          </h3>
          {actor ? (
            <ActorView key={actor.key} actor={actor} />
          ) : (
            <p className="muted">Waiting for the session's chart…</p>
          )}
        </section>
      )}
    </div>
  );
}
