// How tests compile TypeScript with SWC: legacy decorators with metadata (Nest's DI reads it),
// CommonJS output. Shared by the Jest transform and the child processes of the crash tests.
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    keepClassNames: true,
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
