import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * Lists every built asset in sw-assets.json, so the service worker keeps the whole app shell at
 * install — the lazily loaded pages too (the SM workspace opens offline, docs/SPEC.md SC2), not
 * only what index.html names.
 */
function shellAssetList(): Plugin {
  return {
    name: 'cuebe-shell-assets',
    apply: 'build',
    generateBundle(_options, bundle) {
      const assets = Object.keys(bundle)
        .filter((f) => f.startsWith('assets/') && !f.endsWith('.map'))
        .map((f) => `/${f}`)
        .sort();
      this.emitFile({ type: 'asset', fileName: 'sw-assets.json', source: JSON.stringify(assets) });
    },
  };
}

export default defineConfig({
  plugins: [react(), shellAssetList()],
  build: { outDir: 'dist', sourcemap: true },
  server: { proxy: { '/api': 'http://localhost:3000', '/ws': { target: 'ws://localhost:3000', ws: true } } },
});
