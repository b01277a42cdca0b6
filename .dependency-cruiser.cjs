// @ts-check
/**
 * Import rules between folders, checked in CI (`npm run depcheck`). The ESLint rule in
 * eslint-rules/module-boundaries.cjs keeps each module's internals and tables to itself; these keep
 * the layers apart: the shared kernel below every feature, no import cycles, no test code in the
 * service.
 */

/** The shared kernel: cross-cutting code every feature may use, and that uses no feature. */
const KERNEL = '^src/(common|database|config)/';
/** Unit tests beside the code may build the kernel's inputs from any module's errors and values. */
const SPEC = '[.]spec[.]ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'kernel-imports-no-feature',
      severity: 'error',
      comment:
        'src/common, src/database and src/config sit below the features: they import each other and packages, ' +
        'never a feature module. When the kernel needs something of a feature, the kernel defines it (a constant, ' +
        'an interface, an injection token) and the feature uses or provides it.',
      from: { path: KERNEL, pathNot: SPEC },
      to: { path: '^src/', pathNot: KERNEL },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A file that imports, directly or not, a file that imports it back (types included): the two belong ' +
        'together, or what they share belongs in a third file they both import.',
      from: { path: '^(src|test|bench|scripts|migrations)/' },
      to: { circular: true },
    },
    {
      name: 'points-below-payments',
      severity: 'error',
      comment:
        'Payments credits and reverses points through what points exports: points never imports payments back ' +
        '(a check that needs purchases takes their SQL as an argument).',
      from: { path: '^src/points/' },
      to: { path: '^src/payments/' },
    },
    {
      name: 'service-imports-no-test-code',
      severity: 'error',
      comment: 'The service (src/, except the development tools of src/dev) never loads test or benchmark code.',
      from: { path: '^src/', pathNot: ['^src/dev/', SPEC] },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a cycle through types is still two files that cannot be read apart.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
  },
};
