// Builds the dashboard SPA into dist/dashboard, which the server serves at `/`
// (src/http/dashboard/static.ts). No React plugin: esbuild compiles the JSX, and the dashboard
// needs no hot reload in production.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
    // The editor page (CodeMirror) is its own chunk; the figure that matters is first-load JS,
    // measured by scripts/dashboard-size.js.
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:3000',
      '/_dashboard': 'http://127.0.0.1:3000',
    },
  },
})
