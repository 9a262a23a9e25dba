/**
 * The console's build (npm run console:build; `npm start` runs it when console/dist is missing or stale) and its
 * dev server (npm run console:dev, with the API of a running `npm start` proxied on the same origin).
 * Imports of the shared domain (`#domain/...`) resolve through the root package.json's "imports".
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const API = process.env.CONSOLE_API_URL ?? 'http://127.0.0.1:3000';
/** First path segments of the API and the local routes, proxied by the dev server. */
const API_PREFIXES = ['/profiles', '/audiences', '/deliveries', '/local', '/health', '/config.json'];

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Cloudscape's shared chunk is large by nature; routes are split from it (see the README's bundle table).
    chunkSizeWarningLimit: 1500,
  },
  server: {
    port: 5173,
    proxy: Object.fromEntries(API_PREFIXES.map((prefix) => [prefix, { target: API, changeOrigin: false }])),
  },
});
