import { describe, expect, it } from 'vitest';
import { parse } from '../../dsl/parse.ts';
import { ablLexer } from '../../dsl/tokens.ts';

const source = `import "../datasets.abl"

// few-shot: one annotated MRI training case
experiment cardiac_ours extends cardiac_baseline {
  data mmwhs { crop: 256 x 256, spacing: 1.5 x 1.5 x 8 mm, intensity { clip_top: 2% } }
  model.eam at decoder[1..3] { heads: 8 }
  loss { seg: 0.4 * (ce + dice), icr: 0.1 { tau: 4 } }
  train { optimizer: sgd { lr: 1e-4 }, schedule: poly(0.9) }
}
sweep zip variants from cardiac_ours { model.joint in [v1, v2, v3], loss.icr.tau in 1..8 }
table t "T" { paper { "Ours (w/ CR)" { ct { dice { LVM: 90.9 ± 1.5, mean: 94.0 } } } } }
`;

describe('parse never throws on broken input', () => {
  it('survives every token deleted, duplicated, or cut off, and an extra brace or quote before it', () => {
    const tokens = ablLexer.tokenize(source).tokens;
    let broken = 0;
    for (const token of tokens) {
      const before = source.slice(0, token.startOffset);
      const after = source.slice(token.endOffset! + 1);
      const variants = [before, before + after, `${before}${token.image} ${token.image}${after}`, `${before}}${token.image}${after}`, `${before}"${token.image}${after}`];
      for (const text of variants) {
        const { ast, diagnostics } = parse(text, 'mutant.abl');
        expect(ast.kind).toBe('File');
        for (const d of diagnostics) {
          expect(d.span.file).toBe('mutant.abl');
          expect(d.span.start.offset).toBeGreaterThanOrEqual(0);
          expect(d.span.end.offset).toBeLessThanOrEqual(text.length);
          expect(d.span.start.offset).toBeLessThanOrEqual(d.span.end.offset);
          expect(d.message).not.toMatch(/undefined|NaN|\u001f/);
        }
        if (diagnostics.length > 0) broken++;
      }
    }
    // Most mutants are invalid, and each of those was reported rather than thrown.
    expect(broken).toBeGreaterThan(tokens.length * 2);
  });
});
