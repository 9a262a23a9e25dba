// ESLint (flat config) with typescript-eslint; Prettier formats. Biome was tried first, but its platform
// binaries are not all on the registry this project installs from, so `npm ci` could not use its lockfile.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const focusedOrSkipped = ['it', 'test', 'describe'].flatMap((object) =>
  ['only', 'skip', 'todo'].map((property) => ({
    object,
    property,
    message: 'No focused, skipped or todo tests: every test runs in CI.',
  })),
);

// ---- Layers (README "Architecture"): which folder may import which. Imports across folders go through the
// package.json aliases; a relative import may only name a file in the same folder.
// Patterns are regular expressions: gitignore-style groups would read a leading `#` as a comment.
const aws = '^(@aws-sdk/|aws-cdk-lib|constructs$|aws-lambda$|@aws-lambda-powertools/|@middy/)';
const only = (allowed, why) => ({
  regex: `^#(?!(${allowed.map((alias) => alias.slice(1)).join('|')})/)`,
  message: why,
});
const forbid = (aliases, why) => ({
  regex: `^#(${aliases.map((alias) => alias.slice(1)).join('|')})/`,
  message: why,
});
const layer = (files, ...patterns) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: '^\\.\\./',
            message:
              'Import across folders through an alias (#domain/..., package.json "imports"); only same-folder imports stay relative.',
          },
          ...patterns,
        ],
      },
    ],
  },
});
const productFiles = (folder) => [`${folder}/**/*.ts`];

export const layers = [
  layer(
    [...productFiles('local'), ...productFiles('scripts'), ...productFiles('bench'), ...productFiles('test')],
    forbid(['#infra'], 'Only the CDK app (and its tests) imports infra/.'),
  ),
  layer(['test/infra/**/*.ts']),
  layer(productFiles('infra')),
  layer(
    productFiles('topology'),
    only(
      ['#topology', '#domain'],
      'The topology is data: it imports only the domain (its sizing rules), nothing else of the product.',
    ),
    { regex: aws, message: 'The topology is pure data: no AWS SDK or CDK.' },
  ),
  layer(productFiles('shared/domain'), only(['#domain'], 'Domain code imports only the domain.'), {
    regex: aws,
    message: 'Domain code imports no AWS SDK, CDK or Lambda library.',
  }),
  layer(
    productFiles('shared/ports'),
    only(['#domain', '#ports'], 'Ports import only the domain and other ports.'),
    { regex: aws, message: 'Ports are interfaces: no AWS SDK.' },
  ),
  layer(
    productFiles('shared/use-cases'),
    only(
      ['#domain', '#ports', '#use-cases'],
      'Use cases import the domain and ports, never adapters or entry points.',
    ),
    { regex: aws, message: 'Use cases reach AWS through ports only.' },
  ),
  layer(
    productFiles('shared/adapters'),
    only(
      ['#domain', '#ports', '#adapters', '#topology'],
      'Adapters implement ports: no use cases, entry points or local runtime.',
    ),
  ),
  layer(
    productFiles('functions'),
    forbid(
      ['#local', '#infra', '#test', '#scripts', '#bench'],
      'Functions are deployed: they import the product only (no local runtime, CDK, tests or scripts).',
    ),
  ),
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'cdk.out/**',
      '.data/**',
      '.ci-out/**',
      'coverage/**',
      'console/dist/**',
      // Wrong-way imports on purpose: test/unit/lint/layers.test.ts lints them under the paths they name.
      'test/fixtures/layers/**',
      'console/.dist-*/**',
      'test-results/**',
      '.scratch/**',
      // Generated from docs/openapi.json (npm run openapi).
      'console/src/api/openapi.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: 'module' },
    rules: {
      'no-restricted-properties': ['error', ...focusedOrSkipped],
      'no-restricted-globals': [
        'error',
        { name: 'fit', message: 'No focused tests.' },
        { name: 'xit', message: 'No skipped tests.' },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...layers,
  {
    files: ['console/src/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
);
