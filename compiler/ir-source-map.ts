/**
 * IR path → source location. The Run IR renames and derives keys (`clipTop` from
 * `clip_top`, `data.dims` from the backbone's kind, `model.numClasses` from the dataset's
 * classes); this table undoes that so a domain check or an ajv error about an IR path
 * points at the line that set the value, or at the nearest enclosing thing that exists
 * in the source (defaults have no line of their own).
 */
import type { Location } from './diagnostics.ts';
import { locate } from './check/types.ts';

/** IR paths whose source lives under another name; checked longest prefix first. */
const renamed: [ir: string, source: string][] = [
  ['data.dims', 'model.backbone.kind'],
  ['model.backbone.dims', 'model.backbone.kind'],
  ['model.inChannels', 'data.slices'],
  ['model.eam.stages', 'model.eam.stages'],
  ['loss.seg', 'loss.seg'],
  ['loss.aux', 'loss.aux'],
  ['train.schedule', 'train.schedule'],
  ['train.optimizer.beta1', 'train.optimizer.betas.0'],
  ['train.optimizer.beta2', 'train.optimizer.betas.1'],
  ['repeat', ''],
  ['origin', ''],
  ['name', ''],
  ['experiment', ''],
  ['specHash', ''],
  ['irVersion', ''],
];

const snake = (segment: string) => segment.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export class IrSourceMap {
  constructor(
    /** Locations recorded while decoding the experiment (paths as written). */
    private readonly experiment: Map<string, Location>,
    /** Locations recorded while decoding its dataset. */
    private readonly dataset: Map<string, Location>,
    /** Locations set by the sweep or repeat (`data.sample.cases.mri`). */
    private readonly run: Map<string, Location>,
    /** Where the run as a whole is (its declaration's name). */
    private readonly fallback: Location,
    /** Where the dataset as a whole is. */
    private readonly datasetFallback: Location,
  ) {}

  /** The location of a dotted IR path (`data.split.train`, `model.backbone.heads.2`). */
  locate(irPath: string): Location {
    if (irPath === 'dataset' || irPath.startsWith('dataset.')) {
      const rest = irPath.slice('dataset.'.length);
      return locate(this.dataset, rest.split('.').map(snake).join('.'), this.datasetFallback);
    }
    if (irPath === 'model.numClasses') return locate(this.dataset, 'classes', this.datasetFallback);
    if (irPath.startsWith('data.sample')) return locate(this.run, irPath, this.fallback);
    for (const [ir, source] of renamed) {
      if (irPath === ir || irPath.startsWith(`${ir}.`)) {
        if (source === '') return this.fallback;
        return locate(this.experiment, source, this.fallback);
      }
    }
    return locate(this.experiment, irPath.split('.').map(snake).join('.'), this.fallback);
  }
}
