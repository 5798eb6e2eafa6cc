import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';
import { precompress } from './build/precompress.js';

// In development the Berth server runs beside Vite; in production it serves web/dist itself.
const target = `http://localhost:${process.env.BERTH_PORT ?? '8080'}`;

export default defineConfig({
  plugins: [svelte(), precompress()],
  server: {
    proxy: {
      // changeOrigin stays false: the server compares the websocket's Origin with its Host.
      '/api': { target, ws: true },
      // A regex, because a plain '/s' prefix would also swallow Vite's own '/src/...' modules.
      '^/s/': { target, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
});
