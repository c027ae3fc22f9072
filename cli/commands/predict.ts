/**
 * `ablate predict <model> <image.nii.gz> --modality ct [--out pred.nii.gz]`: segments a
 * volume with an exported inference model (no EAM, aux head or class embedding; paper
 * §2.1). `<model>` is a folder with `model.json`, `weights.bin` and `run-ir.json` (what
 * `ablate run` logs as the `model` artifact), or an MLflow run id in the tracking store.
 * The image is preprocessed as in training (canonical axes, resampling, crop, intensity
 * clipping and normalisation), predicted slice-wise (2D) or by sliding windows (3D), mapped
 * back to the image's own grid and written with its header, so a viewer overlays it.
 * `ablate predict --onnx model.onnx <image>` does the same with a model written by
 * `ablate export --format onnx`, on ONNX Runtime (runtime/export/onnx/predict-onnx.ts).
 */
import { Command, Option } from 'commander';
import { describeError } from '../describe-error.ts';

interface PredictCliOptions {
  modality?: string;
  onnx?: string;
  out?: string;
  backend?: string;
  trackingUri?: string;
  labelValues: boolean;
}

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('segment a NIfTI volume with an exported inference model')
    .argument('<model>', "model folder (model.json, weights.bin, run-ir.json) or an MLflow run id; with --onnx, the image")
    .argument('[image]', 'input image (.nii or .nii.gz)')
    .option('-m, --modality <name>', 'modality of the image (the model has one path per modality; an ONNX export records its own)')
    .option('--onnx <file>', 'run an ONNX model written by `ablate export` on ONNX Runtime instead (`ablate predict --onnx model.onnx <image>`)')
    .option('-o, --out <file>', 'output label volume (default: <image>_pred.nii.gz)')
    .option('--no-label-values', "write class indices 1..Z instead of the dataset's label values")
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['node-gpu', 'node', 'wasm', 'cpu']))
    .option('--tracking-uri <uri>', 'MLflow store to find a run id in (default: $MLFLOW_TRACKING_URI, else ./mlruns)')
    .action(async (model: string, imageArg: string | undefined, options: PredictCliOptions) => {
      try {
        if (options.onnx) {
          // `predict --onnx model.onnx <image>`: the one positional is the image
          if (imageArg !== undefined) throw new Error(`with --onnx give only the image (got '${model}' and '${imageArg}')`);
          const { predictOnnxFile } = await import('../../runtime/export/onnx/predict-onnx.ts');
          const summary = await predictOnnxFile({
            onnx: options.onnx, image: model, out: options.out ?? model.replace(/(\.nii(\.gz)?)?$/i, '_pred.nii.gz'),
            ...(options.modality ? { modality: options.modality } : {}), labelValues: options.labelValues,
          });
          process.stdout.write(`${summary}\n`);
          return;
        }
        if (imageArg === undefined) throw new Error('missing the image: ablate predict <model> <image> --modality <name>');
        if (!options.modality) throw new Error("missing --modality <name> (the model has one path per modality)");
        const image = imageArg;
        const { predictFile } = await import('../../runtime/run/predict-file.ts');
        const out = options.out ?? image.replace(/(\.nii(\.gz)?)?$/i, '_pred.nii.gz');
        const summary = await predictFile({
          model, image, out, modality: options.modality, labelValues: options.labelValues,
          ...(options.backend ? { backend: options.backend } : {}),
          trackingUri: options.trackingUri ?? process.env['MLFLOW_TRACKING_URI'] ?? './mlruns',
        });
        process.stdout.write(`${summary}\n`);
      } catch (error) {
        process.stderr.write(`${describeError(error)}\n`);
        process.exitCode = 1;
      }
    });
}
