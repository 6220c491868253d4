// Training a run in-process for the tests that compare whole and interrupted runs.
import { prepareRun } from '../src/train/setup.js';
import { train } from '../src/train/trainer.js';

/** Trains a run (or resumes it), optionally stopping after a step as a kill would. */
export async function trainRun(settings: Parameters<typeof prepareRun>[0], resume = false, stopAfter?: number): Promise<void> {
  const p = await prepareRun(settings, resume);
  try {
    await train(p.run, p.config, p.task, { resume, progress: 'quiet', stopAfter });
  } finally {
    await p.task.close();
  }
}
