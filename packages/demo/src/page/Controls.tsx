import { useConnection } from '@ddpx/react';
import { useState } from 'react';

async function post(path: string): Promise<string> {
  try {
    const res = await fetch(path, { method: 'POST' });
    return JSON.stringify(await res.json());
  } catch (error) {
    return `request failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Disconnect / reconnect (client side), drop the socket / restart the server (server side). */
export function Controls() {
  const connection = useConnection();
  const [last, setLast] = useState('');
  return (
    <section className="panel controls">
      <h2>Make it happen</h2>
      <div className="buttons">
        <button type="button" onClick={() => connection.disconnect()}>
          Disconnect
        </button>
        <button type="button" onClick={() => connection.reconnect()}>
          Reconnect
        </button>
        <button type="button" onClick={() => void post('/admin/drop').then((r) => setLast(`drop: ${r}`))}>
          Drop socket (server side)
        </button>
        <button
          type="button"
          onClick={() => void post('/admin/restart').then((r) => setLast(`restart: ${r}`))}
        >
          Restart server
        </button>
      </div>
      <p className="hint" data-testid="admin-result">
        {last ||
          'Disconnect → offline. Reconnect → connecting → connected. Drop → waiting, then the session resumes. Restart → waiting with a countdown, then a new session.'}
      </p>
    </section>
  );
}
