// @ts-check
/**
 * Import rules between folders, checked in CI (`npm run depcheck`). The ESLint rule in
 * eslint-rules/module-boundaries.cjs keeps each module's internals and tables to itself; these keep
 * the layers apart: the shared kernel below every feature, no import cycles, no test code in the
 * service, and nothing of tools/ (development only) in it.
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
      name: 'kernel-in-layers',
      severity: 'error',
      comment:
        'Inside the kernel, common (plain building blocks) is the ground, config (the environment) stands on it, ' +
        'and database (connections, transactions) on both: a lower layer never imports a higher one.',
      from: { path: '^src/common/', pathNot: SPEC },
      to: { path: '^src/(config|database)/' },
    },
    {
      name: 'config-below-database',
      severity: 'error',
      comment: 'The environment is read before any connection exists: config imports common, never database.',
      from: { path: '^src/config/', pathNot: SPEC },
      to: { path: '^src/database/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A file that imports, directly or not, a file that imports it back (types included): the two belong ' +
        'together, or what they share belongs in a third file they both import.',
      from: { path: '^(src|tools|test|bench|scripts|migrations)/' },
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
      comment: 'The service (src/) and its development tools (tools/) never load test or benchmark code.',
      from: { path: '^(src|tools)/', pathNot: SPEC },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'src-imports-nothing-from-tools',
      severity: 'error',
      comment:
        'The production build compiles src/ alone: the service never imports the development tools (tools/: the ' +
        'Stripe emulator, the demo data, the development entry point). tools/dev/main.ts adds them to the service ' +
        'through what src/bootstrap.ts takes (local services, modules), never the other way round.',
      from: { path: '^src/' },
      to: { path: '^tools/' },
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
