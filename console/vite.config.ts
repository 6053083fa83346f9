import { defineConfig } from 'vitest/config';

// The console is served by bin/idgate at /console/ (console/console.go embeds dist/).
// `npm run dev` serves it with hot reload and sends API calls to a local `make run`.
export default defineConfig({
  base: '/console/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // One script and one stylesheet, no inline code: the CSP allows only 'self'.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    proxy: { '/v1': 'http://127.0.0.1:8080', '/api': 'http://127.0.0.1:8080' },
  },
  test: {
    include: ['src/**/*.test.ts'],
  },
});
