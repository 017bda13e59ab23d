import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// During development the API runs elsewhere (CORRAL_URL, default port 8091); the built app is
// served by the Corral binary itself, on the same origin as the API.
const target = process.env.CORRAL_URL ?? 'http://127.0.0.1:8091';

// The server takes the access_token cookie on a WebSocket (live documents) only from its own
// origin: the proxied upgrade says it comes from the target.
const ws = {
  target,
  changeOrigin: true,
  ws: true,
  configure: (proxy: { on: (event: 'proxyReqWs', fn: (req: { setHeader: (k: string, v: string) => void }) => void) => void }) =>
    proxy.on('proxyReqWs', (req) => req.setHeader('origin', new URL(target).origin)),
};

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api': { target, changeOrigin: true },
      '/ws': ws,
    },
  },
  preview: {
    proxy: {
      '/api': { target, changeOrigin: true },
      '/ws': ws,
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
});
