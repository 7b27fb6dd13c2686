import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The page is bundled whole (React, xstate, elkjs) into dist/page, so the inspector serves every byte
// itself and the page needs no network.
export default defineConfig({
  root: 'src/page',
  base: './',
  plugins: [react()],
  build: { outDir: '../../dist/page', emptyOutDir: true, chunkSizeWarningLimit: 3000 },
  logLevel: 'warn',
});
