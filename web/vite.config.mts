import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

/**
 * The reference client. `npm run build:web` (web/build.mjs) writes it to web/dist, which the service
 * serves at `/` (src/web-client). It lives outside dist/ because `nest build` and `nest start` empty
 * dist/ first.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Served with a CSP without 'unsafe-inline': no inlined assets, and no inline script (Vite emits none).
    assetsInlineLimit: 0,
  },
});
