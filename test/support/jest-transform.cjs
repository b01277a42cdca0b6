// NestJS 12 packages ship as ESM only, and Jest 30 on Node 20 cannot load ESM through require().
// Every TypeScript file and every ESM file under node_modules goes through SWC into CommonJS;
// CommonJS files are passed through untouched so the transform stays cheap and cacheable.
const { createTransformer } = require('@swc/jest');
const fs = require('node:fs');
const path = require('node:path');

const swc = createTransformer(require('./swc-options.cjs'));

const typeCache = new Map();
function packageType(file) {
  let dir = path.dirname(file);
  while (dir !== path.dirname(dir)) {
    if (typeCache.has(dir)) return typeCache.get(dir);
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      let type = 'commonjs';
      try {
        type = JSON.parse(fs.readFileSync(manifest, 'utf8')).type ?? 'commonjs';
      } catch {
        // a package.json that is not JSON (fixtures) says nothing about module type
      }
      typeCache.set(dir, type);
      return type;
    }
    dir = path.dirname(dir);
  }
  return 'commonjs';
}

function needsSwc(file) {
  if (/\.(ts|mts|cts)$/.test(file)) return true;
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  return packageType(file) === 'module';
}

module.exports = {
  canInstrument: false,
  process(src, file, options) {
    if (!needsSwc(file)) return { code: src };
    return swc.process(src, file, options);
  },
  getCacheKey(src, file, options) {
    return swc.getCacheKey(src, file, options) + (needsSwc(file) ? ':swc' : ':raw');
  },
};
