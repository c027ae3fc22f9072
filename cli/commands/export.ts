/**
 * `ablate export <run-id|run-folder> --format onnx|safetensors [--modality ct] [--opset N]
 * [--batch N] --out model.onnx`: one modality's EAM-free inference model (paper §2.1) as a
 * standard ONNX model with its preprocessing in metadata_props, or its weights as
 * safetensors with PyTorch names (README.md, "Deploying a model").
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { describeError } from '../describe-error.ts';

interface ExportCliOptions {
  format: 'onnx' | 'safetensors';
  out: string;
  modality?: string;
  opset?: number;
  batch?: number;
  trackingUri?: string;
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description("write a run's EAM-free inference model as ONNX (for ONNX Runtime, MONAI Deploy, ...) or its weights as safetensors")
    .argument('<run>', "model folder (model.json, weights.bin, run-ir.json), MLflow run folder, or run id")
    .addOption(new Option('-f, --format <format>', 'output format').choices(['onnx', 'safetensors']).default('onnx'))
    .requiredOption('-o, --out <file>', 'output file (model.onnx / model.safetensors)')
    .option('-m, --modality <name>', 'which modality path to export (required when the model has several)')
    .option('--opset <n>', 'ONNX opset, 13 to 21 (default 17)', positiveInt)
    .option('--batch <n>', 'fixed batch size of the ONNX input (default: dynamic)', positiveInt)
    .option('--tracking-uri <uri>', 'MLflow store to find a run id in (default: $MLFLOW_TRACKING_URI, else ./mlruns)')
    .action(async (run: string, options: ExportCliOptions) => {
      try {
        const { exportRun } = await import('../../runtime/export/export-run.ts');
        const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
        const summary = await exportRun({
          source: run, format: options.format, out: options.out,
          ...(options.modality ? { modality: options.modality } : {}),
          ...(options.opset !== undefined ? { opset: options.opset } : {}),
          ...(options.batch !== undefined ? { batch: options.batch } : {}),
          trackingUri: options.trackingUri ?? process.env['MLFLOW_TRACKING_URI'] ?? './mlruns',
          producerVersion: pkg.version,
        });
        process.stdout.write(`${summary}\n`);
      } catch (error) {
        process.stderr.write(`${describeError(error)}\n`);
        process.exitCode = 1;
      }
    });
}
