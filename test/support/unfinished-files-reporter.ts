/**
 * A vitest reporter that names the test files that started but never ended. When a worker process dies
 * (a native crash, a signal, an exit from inside a test), vitest reports only "Worker exited
 * unexpectedly" and counts one file fewer; this says which file it was, at the very end of the output
 * (where a CI log that keeps only its tail still shows it), with how long it had been running.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class UnfinishedFilesReporter implements Reporter {
  readonly #started = new Map<string, number>();

  onTestModuleStart(testModule: TestModule): void {
    this.#started.set(testModule.moduleId, Date.now());
  }

  onTestModuleEnd(testModule: TestModule): void {
    this.#started.delete(testModule.moduleId);
  }

  onTestRunEnd(): void {
    if (this.#started.size === 0) return;
    const now = Date.now();
    const lines = [...this.#started].map(([file, at]) => `  ${file.replace(`${process.cwd()}/`, '')} (started ${((now - at) / 1000).toFixed(1)} s before the end)`);
    process.stderr.write(`\n[unfinished] test files that started and never ended (their worker died?):\n${lines.join('\n')}\n`);
  }
}
