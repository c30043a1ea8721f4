// Builds the web app to web/dist, which the gateway serves in both tiers. Preact's JSX runtime is
// set here (Oxc) instead of @preact/preset-vite: one dependency fewer, no Babel.
import { defineConfig } from 'vite';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  // `npm run dev -w web` with the platform on :8080 (npm start): API calls and live sockets go there.
  server: { proxy: { '/api': { target: 'http://localhost:8080', ws: true } } },
});
