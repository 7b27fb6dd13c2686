import { fileURLToPath } from 'node:url';
import { startDemoServer } from './demoServer.js';

// `node dist/server/main.js` (or `pnpm demo` from the repo root): serves the demo on PORT (3000).
const pageDir = fileURLToPath(new URL('../../dist/page/', import.meta.url));
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
try {
  const demo = await startDemoServer({ port, host, pageDir });
  console.log(`ddpx demo running at ${demo.url}`);
  console.log(`  WebSocket: ${demo.url}?transport=websocket`);
  console.log(`  SockJS:    ${demo.url}?transport=sockjs`);
  console.log('  Ctrl-C to stop');
  const stop = () => {
    void demo.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE') console.error(`ddpx demo: port ${port} is in use; try PORT=3001 npm start`);
  else console.error('ddpx demo: could not start', error);
  process.exit(1);
}
