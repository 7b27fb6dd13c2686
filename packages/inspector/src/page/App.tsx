import { type ReactNode, useState } from 'react';
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
            <Target
              key={s.key}
              kind="server"
              name={producerName(s.producer)}
              current={s.key === current}
              live={s.live}
              onSelect={() => setSelected(s.key)}
            >
              <span className="muted">{s.name}</span>
            </Target>
          ))}
        </ul>
        <h3>Clients and actors</h3>
        {actors.length === 0 && <p className="muted">none yet</p>}
        <ul>
          {actors.map((a) => (
            <Target
              key={a.key}
              kind="actor"
              name={producerName(a.producer)}
              current={a.key === current}
              live={a.live}
              onSelect={() => setSelected(a.key)}
            >
              <span className="muted">
                {a.name} {a.sessionId}
              </span>{' '}
              <span className="state-pill">{stateText(a)}</span>
            </Target>
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

/** One server or actor in the sidebar: its producer's name, then what `children` add. */
function Target(props: {
  kind: 'server' | 'actor';
  name: string;
  current: boolean;
  live: boolean;
  onSelect: () => void;
  children: ReactNode;
}) {
  return (
    <li>
      <button
        type="button"
        data-testid="target"
        data-kind={props.kind}
        data-name={props.name}
        className={`${props.current ? 'current ' : ''}${props.live ? '' : 'gone'}`}
        onClick={props.onSelect}
      >
        {props.name} {props.children}
      </button>
    </li>
  );
}
