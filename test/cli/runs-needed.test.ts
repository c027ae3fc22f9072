import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runsNeeded } from '../../cli/commands/reproduce.ts';
import { compileFile } from '../../compiler/compile.ts';

const file = fileURLToPath(new URL('../../experiments/examples/repeat.abl', import.meta.url));

describe('reproduce: the runs a file needs', () => {
  const result = compileFile(file);

  it('are the figure points and its reference lines, each once', () => {
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const fig = result.figures.find((f) => f.name === 'quickstart_tau_fig')!;
    // 2 τ × 3 draws for the points, 3 draws of the plain repeat for the dashed line
    const expected = [...fig.points.map((p) => p.run), ...fig.references.flatMap((r) => r.runs)];
    expect(fig.points).toHaveLength(6);
    expect(fig.references.flatMap((r) => r.runs)).toEqual(['quickstart_mri8_x3#0', 'quickstart_mri8_x3#1', 'quickstart_mri8_x3#2']);
    expect(runsNeeded(result).map((r) => r.name).sort()).toEqual([...new Set(expected)].sort());
  });

  it('--table / a figure name keeps only that figure', () => {
    expect(runsNeeded(result, 'no_such_figure')).toEqual([]);
    expect(runsNeeded(result, 'quickstart_tau_fig')).toHaveLength(9);
  });
});
