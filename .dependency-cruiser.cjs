// The allowed-imports rules each package's and app's README states, checked by
// `npm run lint` (depcruise). Apps sit over packages, packages over the domain
// package; nothing imports back up; another workspace is reached only through its
// door (`src/index.ts`, or `src/testing/index.ts` for tests); inside an app, routes
// call services and services call repositories, never the other way.
/** Workspace folders a package's production code may import, besides its own (READMEs' "May import"). */
const mayImport = {
  'packages/domain': [],
  'packages/stay-engine': [],
  'packages/ops': ['packages/domain'],
  'packages/pipeline': ['packages/domain', 'packages/stay-engine'],
  'packages/simulator': ['packages/domain'],
  'packages/sms': ['packages/domain', 'packages/ops'],
  'packages/store': ['packages/domain'],
  'packages/web': ['packages/domain'],
  'apps/operator-node': ['packages/domain', 'packages/ops', 'packages/pipeline'],
  'apps/platform': ['packages/domain', 'packages/ops', 'packages/sms', 'packages/store', 'packages/web'],
  'apps/health-code': ['packages/domain', 'packages/ops', 'packages/sms', 'packages/store'],
};

/** Tests, test helpers, scripts and benchmarks: they may also reach test helpers and start other parts. */
const TEST = '(\\.test\\.ts$|/test/|/testing/|^packages/[^/]+/scripts/|^bench/)';
const OURS = '^(apps|packages)/';
/** The doors of a workspace: its package.json `exports`. */
const DOORS = [
  '^(apps|packages)/[^/]+/src/index\\.ts$',
  '^(apps|packages)/[^/]+/src/testing/index\\.ts$',
  '^packages/domain/src/service-token\\.ts$',
  '^packages/domain/src/wire/index\\.ts$',
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules form no cycles (a type-only import is erased at run time and does not count).',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    ...Object.entries(mayImport).map(([ws, allowed]) => ({
      name: `allowed-imports:${ws}`,
      severity: 'error',
      comment: `${ws} may import ${allowed.length ? allowed.join(', ') : 'nothing of ours'} (its README).`,
      from: { path: `^${ws}/`, pathNot: TEST },
      to: { path: OURS, pathNot: [`^${ws}/`, ...allowed.map((a) => `^${a}/`)] },
    })),
    {
      name: 'no-import-back-up',
      severity: 'error',
      comment: 'Packages never import an app, not even in tests, except the browser tests that drive the real servers.',
      from: { path: '^packages/', pathNot: '^packages/web/test/' },
      to: { path: '^apps/' },
    },
    {
      name: 'through-the-door',
      severity: 'error',
      comment: "Another workspace is reached through its package name and door (src/index.ts), never a file's path.",
      from: { path: '^(apps|packages)/([^/]+)/' },
      to: { path: OURS, pathNot: ['^$1/$2/', ...DOORS] },
    },
    {
      name: 'bench-through-the-door',
      severity: 'error',
      comment: 'Benchmarks drive the apps and packages through their doors, as any other workspace.',
      from: { path: '^bench/' },
      to: { path: OURS, pathNot: DOORS },
    },
    {
      name: 'testing-only-in-tests',
      severity: 'error',
      comment:
        "Test helpers (src/testing/, a package's ./testing export) are for tests, scripts, benchmarks and the CLI's loopback topology.",
      from: { pathNot: [TEST, '^apps/cli/src/topology/'] },
      to: { path: '^packages/[^/]+/src/testing/' },
    },
    {
      name: 'no-test-code-in-production',
      severity: 'error',
      comment: "Production code never imports a test file or a test folder's helper.",
      from: { pathNot: TEST },
      to: { path: '(\\.test\\.ts$|/test/)' },
    },
    {
      name: 'repositories-below-services',
      severity: 'error',
      comment: 'Repositories do I/O only: they never call services or routes.',
      from: { path: '^apps/[^/]+/src/repositories/' },
      to: { path: '^apps/[^/]+/src/(services|routes)/' },
    },
    {
      name: 'services-below-routes',
      severity: 'error',
      comment: 'Services hold the rules: they never import routes.',
      from: { path: '^apps/[^/]+/src/services/' },
      to: { path: '^apps/[^/]+/src/routes/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|test-artifacts)/' },
    includeOnly: '^(apps|packages|bench)/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['source', 'import', 'require', 'node', 'default'],
      extensions: ['.ts', '.mjs', '.js', '.json'],
    },
    skipAnalysisNotInRules: true,
  },
};
