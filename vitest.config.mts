import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
    test: {
        include: ['test/**/*.test.ts'],
        // Deployment tests need the Bicep CLI's output: they run in `npm run infra:check`.
        exclude: [...configDefaults.exclude, 'test/infra/**'],
        globalSetup: ['test/globalSetup.ts'],
        testTimeout: 30_000,
        hookTimeout: 60_000,
        pool: 'forks',
        // Tests use fake credentials against local stand-ins; should any code path fall back to
        // DefaultAzureCredential, it must never reach for a managed identity endpoint from here.
        env: { AZURE_TOKEN_CREDENTIALS: 'dev' },
    },
});
