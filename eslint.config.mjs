import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.data/**', '**/.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // What the services run: test, benchmark and engine code stays out of it, so no deployable
    // depends on the engines, a test runner or a load generator.
    files: [
      'services/*/src/**/*.ts',
      'libs/events/src/**/*.ts',
      'libs/service-kit/src/**/*.ts',
      'libs/store/src/**/*.ts',
      'libs/telemetry/src/**/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@support-center/testing',
                '@support-center/testing/*',
                '@support-center/engines',
                '@support-center/engines/*',
                'jest',
                '@jest/*',
                'supertest',
                'fast-check',
                'autocannon',
                '**/test',
                '**/test/*',
                '**/bench',
                '**/bench/*',
              ],
              message:
                'production code (src/) imports no test, benchmark or engine code: move it to test/ or bench/',
            },
          ],
        },
      ],
    },
  },
  {
    // MongoDB's duplicate-key code is read in one place, the store conventions, which also know
    // where FerretDB reports it differently.
    files: ['services/*/src/**/*.ts', 'libs/*/src/**/*.ts'],
    ignores: ['libs/store/src/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'Literal[value=11000]',
          message: 'recognise a duplicate key with isDuplicateKeyError from @support-center/store',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
