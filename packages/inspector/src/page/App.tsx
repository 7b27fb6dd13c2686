import { useState } from 'react';
import type { ActorRecord } from '../model.js';
import { ActorView } from './ActorView.js';
import { useInspector } from './inspectorStore.js';
import { ServerView } from './ServerView.js';

function stateText(actor: ActorRecord): string {
  const value = actor.steps[actor.steps.length - 1]?.value;
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return Object.keys(value as object)[0] ?? '';
}

/** The inspector page: every client, server and XState actor its producers stream, one shown at a time. */
export function App() {
  const { model, producers, connected } = useInspector();
  const [selected, setSelected] = useState<string | undefined>();
  const serverKeys = new Set([...model.servers.values()].map((s) => `${s.producer}/${s.serverId}`));
  // Root actors, except server sessions (shown inside their server).
  const actors = [...model.actors.values()].filter(
    (a) => !a.parentKey || (!serverKeys.has(a.parentKey) && !model.actors.has(a.parentKey)),
  );
  const servers = [...model.servers.values()];
  const current = selected ?? servers[0]?.key ?? actors[0]?.key;
  const actor = current ? model.actors.get(current) : undefined;
  const server = current ? model.servers.get(current) : undefined;
  const producerName = (id: string) => producers.get(id)?.name ?? id;
  return (
    <div className="app">
      <header>
        <strong>ddpx inspector</strong>
        <span className={`hub ${connected ? 'on' : 'off'}`} data-testid="hub-status">
          {connected ? 'connected' : 'reconnecting…'}
        </span>
        <span className="muted">
          {[...producers.values()].filter((p) => p.live).length} producers · served locally, no network needed
        </span>
      </header>
      <aside>
        <h3>Servers</h3>
        {servers.length === 0 && <p className="muted">none yet</p>}
        <ul>
          {servers.map((s) => (
            <li key={s.key}>
              <button
                type="button"
                data-testid="target"
                data-kind="server"
                data-name={producerName(s.producer)}
                className={`${s.key === current ? 'current ' : ''}${s.live ? '' : 'gone'}`}
                onClick={() => setSelected(s.key)}
              >
                {producerName(s.producer)} <span className="muted">{s.name}</span>
              </button>
            </li>
          ))}
        </ul>
        <h3>Clients and actors</h3>
        {actors.length === 0 && <p className="muted">none yet</p>}
        <ul>
          {actors.map((a) => (
            <li key={a.key}>
              <button
                type="button"
                data-testid="target"
                data-kind="actor"
                data-name={producerName(a.producer)}
                className={`${a.key === current ? 'current ' : ''}${a.live ? '' : 'gone'}`}
                onClick={() => setSelected(a.key)}
              >
                {producerName(a.producer)}{' '}
                <span className="muted">
                  {a.name} {a.sessionId}
                </span>{' '}
                <span className="state-pill">{stateText(a)}</span>
              </button>
            </li>
          ))}
        </ul>
        {producers.size === 0 && (
          <div className="hint">
            <p>
              Nothing is sending yet. Pass this inspector's URL as <code>inspect</code>:
            </p>
            <pre>{`connect(url, { inspect: '${location.origin.replace(/^http/, 'ws')}/${location.search}' })`}</pre>
          </div>
        )}
      </aside>
      <main>
        {actor && <ActorView key={actor.key} actor={actor} />}
        {server && <ServerView key={server.key} server={server} model={model} />}
        {!actor && !server && <p className="muted">Waiting for a client, a server or an XState actor.</p>}
      </main>
    </div>
  );
}
