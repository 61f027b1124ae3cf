import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { fileURLToPath } from 'node:url';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const alias = [{ find: /^.*\/shaders\.gen\.ts$/, replacement: fileURLToPath(new URL('./test/support/shaders-raw.ts', import.meta.url)) }];
const include = ['test/**/*.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'node',
          include,
          setupFiles: ['test/setup.ts'],
          
          environment: 'node',
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        // Pre-bundled, so the first browser run does not discover it mid-run and fail to import the file.
        optimizeDeps: { include: ['fast-check'] },
        test: {
          name: 'chromium',
          include,
          exclude: ['test/**/*.node.test.ts'],
          setupFiles: ['test/setup.ts'],
          
          testTimeout: 120_000,
          hookTimeout: 120_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                executablePath: chromium,
                args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'],
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
