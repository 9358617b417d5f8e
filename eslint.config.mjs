// ESLint flat config: typed rules for the whole tree, and a fence around workflow code so that
// nothing non-deterministic (Node built-ins, I/O libraries, activity implementations) can be imported there.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'console/dist/**',
      'console/src/api/schema.d.ts',
      '.data/**',
      'coverage/**',
      'bench/results/**',
      'eslint.config.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The benchmark's floor workflow is workflow code too.
    files: ['src/workflows/**/*.ts', 'bench/floor/floor-workflow.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!@temporalio/workflow$|\\.\\.?/|\\.\\./domain|\\.\\./contracts).*',
              message: 'Workflow code may import only @temporalio/workflow, domain code and shared contracts.',
            },
            {
              group: ['../activities', '../activities/*'],
              allowTypeImports: true,
              message: 'Workflows may import activity types only (import type).',
            },
            {
              group: ['../api/*', '../api', '../worker/*', '../gateway/*', '../bank/*', '../persistence/*'],
              message: 'Not deterministic code.',
            },
          ],
        },
      ],
    },
  },
  {
    // The gateway's payment child workflows: the same determinism fence as src/workflows.
    files: ['src/gateway/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^(?!@temporalio/workflow$|\\./|\\.\\./activities$|\\.\\./method-activities$|\\.\\./settlement/settlement-activities$|\\.\\./\\.\\./domain/|\\.\\./\\.\\./contracts/).*',
              message: 'Gateway workflow code may import only @temporalio/workflow, domain code and shared contracts.',
            },
            {
              group: ['../activities', '../settlement/settlement-activities'],
              allowTypeImports: true,
              message: 'Workflows may import activity types only (import type).',
            },
          ],
        },
      ],
    },
  },
  {
    // The ISO 20022 message layer is pure: no Node built-ins, no I/O, only zod, the XML library and domain code.
    files: ['src/iso20022/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!zod$|fast-xml-parser$|\\./|\\.\\./domain/).*',
              message:
                'src/iso20022 is pure: it may import only zod, fast-xml-parser, its own modules and domain code.',
            },
          ],
        },
      ],
    },
  },
);
