/**
 * Drives cli/progress.ts as a run does (2 epochs of 4 steps, a validation note after each
 * epoch); progress.test.ts runs it under a pseudo-terminal and through a pipe.
 */
import { createProgress } from '../../cli/progress.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const progress = createProgress({ quiet: process.argv.includes('--quiet') });
progress.note('backend: cpu');
progress.start('tiny', 8, 0);
for (let step = 1; step <= 8; step++) {
  await sleep(100); // the bar redraws at 5 fps
  const epoch = Math.floor((step - 1) / 4);
  progress.step({ step, epoch, epochs: 2, endOfEpoch: step % 4 === 0, loss: 1 / step, terms: { total: 1 / step, 'seg/ct': 0.5 / step, 'seg/mri': 0.25 / step } });
  if (step % 4 === 0) progress.note(`tiny: epoch ${epoch + 1}/2: val.dice.ct ${50 + step}.0%`);
}
await sleep(250);
progress.stop();
progress.note('1 run(s) done');
