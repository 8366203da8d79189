import { defineConfig } from 'vitest/config';

// The compile lane's tests (`npm run infra:check`, which compiles infra/ first): assertions on the
// ARM JSON the real Bicep CLI produced in .cache/infra/arm/. No Azurite, no network.
export default defineConfig({
    test: {
        include: ['test/infra/**/*.test.ts'],
        testTimeout: 30_000,
        pool: 'forks',
    },
});
