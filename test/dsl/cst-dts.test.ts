import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cstDts } from '../../scripts/gen-cst-dts.ts';

describe('dsl/cst.generated.d.ts', () => {
  it('matches the grammar (regenerate with `node --import tsx scripts/gen-cst-dts.ts`)', () => {
    const committed = readFileSync(new URL('../../dsl/cst.generated.d.ts', import.meta.url), 'utf8');
    expect(committed).toBe(cstDts());
  });
});
