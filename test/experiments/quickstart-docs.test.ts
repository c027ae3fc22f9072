/** The README and the quickstart's header state the same measured time and test Dice. */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

it('README and experiments/quickstart.abl agree on the quickstart figures', () => {
  const readme = read('README.md');
  const header = read('experiments/quickstart.abl').split('\n').filter((l) => l.startsWith('//')).join(' ').replace(/\s*\/\/\s*/g, ' ');
  const dice = (text: string) => /CT (\d+\.\d) %, MRI (\d+\.\d) %/.exec(text)?.slice(1);
  const quick = readme.slice(readme.indexOf('The quickstart takes'));
  expect(dice(quick)).toBeDefined();
  expect(dice(quick)).toEqual(dice(header));
  const seconds = (text: string) => [...text.matchAll(/(\d+) s\b/g)].map((m) => m[1]).sort();
  expect(seconds(quick.slice(0, 300))).toEqual(seconds(header.slice(header.indexOf('Measured'), header.indexOf('crop_at=label'))));
});
