/**
 * The smallest phantom experiment the CLI-level run tests train: a 24×24×3 cardiac phantom
 * with 4 cases per modality and a one-block Swin-Unet (`tiny_v3`). Tests vary only how long
 * it trains: long enough to be interrupted or leased, or as short as possible.
 */
export function tinyV3Spec({ epochs = 1, stepsPerEpoch = 2 }: { epochs?: number; stepsPerEpoch?: number } = {}): string {
  return `dataset tiny "tiny phantom" {
  source: phantom { anatomy: cardiac, size: 24 x 24 x 3, spacing: 1 x 1 x 2 mm, seed: 3 }
  classes: [LVM, LAC, LVC, AA]
  modalities { ct { cases: 4, label_values: [1, 2, 3, 4] }, mri { cases: 4, label_values: [1, 2, 3, 4] } }
}
experiment tiny_v3 {
  data tiny { modalities: [ct, mri], crop: 16 x 16, split { train: 50%, val: 0%, test: 50%, seed: 0 } }
  model { backbone swin_unet { patch: 2, embed: 4, depths: [1, 1, 1, 1], heads: [1, 1, 1, 1], window: 1 } }
  train { epochs: ${epochs}, steps_per_epoch: ${stepsPerEpoch}, batch: 1, optimizer: adamw { lr: 1e-3 }, schedule: constant, seed: 7 }
  eval { metrics: [dice] }
}
`;
}
