import { type Connection, connect } from '@ddpx/client';

// A browser client for the inspector's browser test: `?ddp=<ws url>&inspect=<inspector ws url>`.
const params = new URLSearchParams(location.search);
const conn = connect(params.get('ddp')!, { inspect: params.get('inspect')!, backoff: () => 3000 });
conn.onStatus((s) => {
  document.getElementById('status')!.textContent = s.status;
});
(window as unknown as { conn: Connection }).conn = conn;
