// A Vitest reporter that counts test results per project ('node', 'chromium'), which the built-in JSON
// reporter does not record. scripts/test.sh uses it to fail a run in which a runtime ran zero tests.
// It writes {projects: {name: {passed, failed, skipped, files, brokenFiles}}, unhandledErrors, reason}
// to $WEBGRAD_VITEST_COUNTS (default: vitest-counts.json in the working directory).
// A test file that failed to load or crashed outside any test counts as one failed test of its project.
import { writeFileSync } from 'node:fs';

export default class CountsReporter {
  onTestRunEnd(testModules, unhandledErrors, reason) {
    const projects = {};
    const get = (name) => (projects[name] ??= { passed: 0, failed: 0, skipped: 0, files: 0, brokenFiles: [] });
    for (const mod of testModules) {
      const p = get(mod.project?.name || 'default');
      p.files++;
      let failedTests = 0;
      for (const t of mod.children.allTests()) {
        const state = t.result()?.state;
        if (state === 'passed') p.passed++;
        else if (state === 'failed') (p.failed++, failedTests++);
        else p.skipped++;
      }
      const modState = typeof mod.state === 'function' ? mod.state() : undefined;
      const errors = typeof mod.errors === 'function' ? mod.errors() : [];
      if ((modState === 'failed' || errors.length) && failedTests === 0) {
        p.failed++;
        p.brokenFiles.push({ file: mod.moduleId, error: errors.map((e) => e?.message ?? String(e)).join('; ').slice(0, 500) });
      }
    }
    const out = process.env.WEBGRAD_VITEST_COUNTS || 'vitest-counts.json';
    writeFileSync(out, JSON.stringify({ projects, unhandledErrors: unhandledErrors.length, reason }, null, 2));
  }
}
