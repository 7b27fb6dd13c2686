import { connect } from '@ddpx/client';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { transitions } from './transitionFeed.js';

// One connection for the page, made before React renders (the provider never owns it).
const transport = new URLSearchParams(location.search).get('transport') === 'sockjs' ? 'sockjs' : 'websocket';
const connection = connect(location.origin, { transport, inspect: transitions.inspect });
(globalThis as { ddpxConnection?: unknown }).ddpxConnection = connection; // for poking at it in devtools
// `?inspect=ws://127.0.0.1:4000` (what `ddpx inspect` prints) streams this connection to the inspector.
const inspectUrl = new URLSearchParams(location.search).get('inspect');
if (inspectUrl) connection.inspect(inspectUrl);

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App connection={connection} transport={transport} />
    </StrictMode>,
  );
}
