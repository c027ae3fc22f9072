/**
 * The JSON Schema files are generated from their TypeScript sources; the committed JSON
 * must be what `npm run schemas` writes. The experiment-document schema accepts the
 * checked-in YAML example and rejects unknown keys, as an editor would.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { experimentDocumentSchema } from '../../schemas/experiment-document.schema.ts';
import { generatedSchemas, schemaText, VALIDATORS_FILE, validatorsText } from '../../schemas/generate.ts';
import * as precompiled from '../../schemas/validators.generated.js';
import { runIrSchema } from '../../schemas/run-ir.schema.ts';

describe('generated schema files', () => {
  for (const [file, schema] of Object.entries(generatedSchemas)) {
    it(`schemas/${file} equals the generated one (run \`npm run schemas\` after changing the .ts)`, () => {
      const committed = readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8');
      expect(committed).toBe(schemaText(schema));
    });
  }

  it(`schemas/${VALIDATORS_FILE} equals the generated one (run \`npm run schemas\` after changing the .ts)`, () => {
    const committed = readFileSync(new URL(`../../schemas/${VALIDATORS_FILE}`, import.meta.url), 'utf8');
    expect(committed).toBe(validatorsText());
  });

  it('the precompiled Run IR validator judges like one compiled from the schema now', () => {
    const fresh = new Ajv2020({ allErrors: true, strict: false }).compile(runIrSchema);
    const samples: unknown[] = [{}, { irVersion: 1 }, { irVersion: 2, name: '' }, null, 'x'];
    for (const sample of samples) {
      expect(precompiled.run(sample)).toBe(fresh(sample));
      expect((precompiled.run.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`)).toEqual((fresh.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`));
    }
  });

  it('every schema compiles under draft 2020-12', () => {
    const ajv = new Ajv2020({ strict: false });
    for (const schema of Object.values(generatedSchemas)) expect(() => ajv.compile(schema as object)).not.toThrow();
  });
});

describe('experiment document schema (editor view)', () => {
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(experimentDocumentSchema);

  it('accepts experiments/examples/quick.yaml', () => {
    const document = parse(readFileSync(new URL('../../experiments/examples/quick.yaml', import.meta.url), 'utf8'));
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
  });

  it('flags an unknown key inside an experiment block', () => {
    const document = { experiments: { e: { train: { epoch: 3 } } } };
    expect(validate(document)).toBe(false);
    expect(validate.errors?.some((e) => e.instancePath === '/experiments/e/train' && e.keyword === 'additionalProperties')).toBe(true);
  });

  it('holds a launch block as `ablate launch` reads it, and flags what the checker refuses', () => {
    const launch = parse('launch:\n  slurm:\n    partition: gpu\n    time: 2h\n    mem: 16GB\n    gpus_per_task: 1\n    sbatch_args: ["--qos=normal"]\n    shared_fs: true\n');
    expect(validate(launch), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ launch: { slurm: { time: '2-00:00:00', mem: null, partition: null } } }), JSON.stringify(validate.errors)).toBe(true);
    const flagged = (document: unknown) => (validate(document) ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.keyword}`));
    expect(flagged({ launch: { slurm: { partiton: 'gpu' } } })).toContain('/launch/slurm additionalProperties');
    expect(flagged({ launch: { pbs: {} } })).toContain('/launch additionalProperties');
    expect(flagged({ launch: { slurm: { time: '2 weeks' } } })).toContain('/launch/slurm/time pattern');
    expect(flagged({ launch: { slurm: { mem: '16' } } })).toContain('/launch/slurm/mem pattern');
    expect(flagged({ launch: { slurm: { gpus_per_task: 0 } } })).toContain('/launch/slurm/gpus_per_task minimum');
    expect(flagged({ launch: { slurm: { sbatch_args: ['qos=normal'] } } })).toContain('/launch/slurm/sbatch_args/0 pattern');
  });

  it('accepts dotted override paths and rejects a wrong enum value', () => {
    expect(validate({ experiments: { e: { extends: 'base', 'loss.icr.tau': 2 } } })).toBe(true);
    expect(validate({ experiments: { e: { model: { joint: 'v4' } } } })).toBe(false);
  });
});
