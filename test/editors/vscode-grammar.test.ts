/**
 * The VS Code extension's TextMate grammar (editors/vscode/syntaxes/ablate.tmLanguage.json),
 * tokenised by vscode-textmate + vscode-oniguruma as VS Code does (the renderer's own
 * tokenizer, editors/vscode/scripts/tokenize.mjs): keys are properties, and the head after a
 * key (`data mmwhs {`, `source: phantom {`, `backbone swin_unet {`) is a kind, not a key.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { tokenize } from '../../editors/vscode/scripts/tokenize.mjs';

type Token = { text: string; scopes: string[] };
const KEY = 'variable.other.property.ablate';
const HEAD = 'support.type.ablate';

/** The innermost scope of each non-blank token of one line, as [text, scope]. */
async function scopesOf(line: string): Promise<[string, string][]> {
  const [tokens] = (await tokenize(line)) as Token[][];
  return tokens!.filter((t) => t.text.trim() !== '').map((t) => [t.text.trim(), t.scopes[t.scopes.length - 1]!]);
}

describe('TextMate grammar: keys and heads', () => {
  it.each(['mmwhs', 'btcv', 'chaos', 'abdominal', 'phantom'])('`data %s {`: data is a key, the dataset a head', async (name) => {
    expect(await scopesOf(`  data ${name} {`)).toEqual([
      ['data', KEY],
      [name, HEAD],
      ['{', 'source.ablate'],
    ]);
  });

  it.each(['phantom', 'nifti', 'mmwhs', 'btcv', 'chaos'])('`source: %s { … }`: the source kind is a head', async (kind) => {
    const scopes = await scopesOf(`  source: ${kind} { root: "x" }`);
    expect(scopes.slice(0, 3)).toEqual([
      ['source', KEY],
      [':', 'source.ablate'],
      [kind, HEAD],
    ]);
    expect(scopes).toContainEqual(['root', KEY]);
  });

  it('backbone, optimizer and dotted-key heads; plain keys and map keys stay keys', async () => {
    expect(await scopesOf('    backbone swin_unet { patch: 4 }')).toEqual([
      ['backbone', KEY],
      ['swin_unet', HEAD],
      ['{', 'source.ablate'],
      ['patch', KEY],
      [':', 'source.ablate'],
      ['4', 'constant.numeric.ablate'],
      ['}', 'source.ablate'],
    ]);
    expect((await scopesOf('  model.backbone: nnformer {')).slice(0, 3)).toEqual([
      ['model.backbone', KEY],
      [':', 'source.ablate'],
      ['nnformer', HEAD],
    ]);
    expect((await scopesOf('    optimizer: sgd { lr: 0.05 }'))[2]).toEqual(['sgd', HEAD]);
    expect(await scopesOf('  modalities { ct { cases: 20 } }')).toEqual([
      ['modalities', KEY],
      ['{', 'source.ablate'],
      ['ct', KEY],
      ['{', 'source.ablate'],
      ['cases', KEY],
      [':', 'source.ablate'],
      ['20', 'constant.numeric.ablate'],
      ['} }', 'source.ablate'],
    ]);
    expect((await scopesOf('  split { train: 70% }'))[0]).toEqual(['split', KEY]);
  });

  it('declarations keep their own scopes', async () => {
    expect(await scopesOf('experiment abdominal_v3 extends abdominal_baseline {')).toEqual([
      ['experiment', 'storage.type.ablate'],
      ['abdominal_v3', 'entity.name.type.ablate'],
      ['extends', 'keyword.other.extends.ablate'],
      ['abdominal_baseline', 'entity.other.inherited-class.ablate'],
      ['{', 'source.ablate'],
    ]);
    expect((await scopesOf('dataset mmwhs "MM-WHS 2017" {')).slice(0, 2)).toEqual([
      ['dataset', 'storage.type.ablate'],
      ['mmwhs', 'entity.name.type.ablate'],
    ]);
  });

  it('a launch block: `launch` declares, `slurm` names it, durations and sizes carry their unit', async () => {
    expect((await scopesOf('launch slurm {')).slice(0, 2)).toEqual([
      ['launch', 'storage.type.ablate'],
      ['slurm', 'entity.name.type.ablate'],
    ]);
    const scopes = await scopesOf('  time: 2h, mem: 16GB');
    expect(scopes).toContainEqual(['time', KEY]);
    expect(scopes).toContainEqual(['2', 'constant.numeric.ablate']);
    expect(scopes).toContainEqual(['h', 'keyword.other.unit.ablate']);
    expect(scopes).toContainEqual(['GB', 'keyword.other.unit.ablate']);
  });

  it('a table row\'s contract: `differs` and `from` are keywords, the paths are not keys', async () => {
    const scopes = await scopesOf('    "+ L_mcr": v3_mcr differs [loss.mcr] from "Joint V3"');
    expect(scopes).toContainEqual(['differs', 'keyword.operator.word.ablate']);
    expect(scopes).toContainEqual(['from', 'keyword.operator.word.ablate']);
    expect(scopes.filter(([, scope]) => scope === KEY)).toEqual([]);
  });
});
