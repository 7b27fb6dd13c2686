import type { Connection } from '@ddpx/client';
import { DDPProvider } from '@ddpx/react';
import { Controls } from './Controls.js';
import { Messages } from './Messages.js';
import { MethodLog } from './MethodLog.js';
import { ServerEvents } from './ServerEvents.js';
import { Statechart } from './Statechart.js';
import { StatusPanel } from './StatusPanel.js';
import { TransitionLog } from './TransitionLog.js';

/** The demo page: everything about one connection, over the transport chosen in the URL. */
export function App({ connection, transport }: { connection: Connection; transport: string }) {
  return (
    <DDPProvider connection={connection}>
      <header>
        <h1>ddpx demo</h1>
        <nav>
          transport: <strong data-testid="transport">{transport}</strong> · switch to{' '}
          <a href={`?transport=${transport === 'sockjs' ? 'websocket' : 'sockjs'}`}>
            {transport === 'sockjs' ? 'WebSocket' : 'SockJS'}
          </a>{' '}
          · <a href={`?transport=${transport}&inspect=ws://127.0.0.1:4000`}>watch in the inspector</a> (run{' '}
          <code>ddpx inspect</code>, open <a href="http://127.0.0.1:4000/">127.0.0.1:4000</a>)
        </nav>
      </header>
      <main>
        <div className="column">
          <StatusPanel />
          <Controls />
          <MethodLog />
          <Messages />
        </div>
        <div className="column wide">
          <Statechart />
          <div className="row">
            <TransitionLog />
            <ServerEvents />
          </div>
        </div>
      </main>
    </DDPProvider>
  );
}
