import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// During development the API runs elsewhere (CORRAL_URL, default port 8091); the built app is
// served by the Corral binary itself, on the same origin as the API.
const target = process.env.CORRAL_URL ?? 'http://127.0.0.1:8091';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api': { target, changeOrigin: true },
      '/ws': { target, changeOrigin: true, ws: true },
    },
  },
  preview: {
    proxy: {
      '/api': { target, changeOrigin: true },
      '/ws': { target, changeOrigin: true, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
});
