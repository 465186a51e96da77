import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Where `npm run dev` (and `vite preview`) forward /api requests. In production the same
// job is done by server.mjs, which reads the same variable.
const backendUrl = process.env.BACKEND_URL ?? 'http://127.0.0.1:8080';

const apiProxy = {
  '/api': {
    target: backendUrl,
    changeOrigin: true,
  },
};

export default defineConfig({
  plugins: [react()],
  server: {
    host: '127.0.0.1',
    proxy: apiProxy,
  },
  preview: {
    host: '127.0.0.1',
    proxy: apiProxy,
  },
  build: {
    outDir: 'dist',
    // server.mjs caches everything under /assets/ as immutable: Vite puts a content hash
    // in each of those file names.
    assetsDir: 'assets',
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.mjs'],
    restoreMocks: true,
  },
});
