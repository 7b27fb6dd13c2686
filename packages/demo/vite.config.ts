import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// The page is built from the workspace packages' TypeScript sources (the `source` export condition),
// so it needs no `dist/` of @ddpx/client or @ddpx/react.
export default defineConfig({
  root: 'src/page',
  base: '/',
  plugins: [react()],
  resolve: { conditions: ['source', ...defaultClientConditions] },
  // sockjs-client still refers to Node's `global`.
  define: { global: 'globalThis' },
  build: { outDir: '../../dist/page', emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  logLevel: 'warn',
});
