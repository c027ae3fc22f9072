/**
 * Training progress on the terminal: a bar with epoch, step, loss terms, throughput and
 * ETA (cli-progress) when stderr is a TTY, or one plain line per epoch for CI logs and
 * `--quiet`. Only the CLI draws; the runtime reports through `ProgressSink`.
 */
import cliProgress from 'cli-progress';
import type { ProgressSink } from '../runtime/run/progress-sink.ts';

export type { ProgressSink };

const shortTerms = (terms: Record<string, number>) =>
  Object.entries(terms)
    .filter(([k]) => k !== 'total')
    .map(([k, v]) => `${k} ${v.toFixed(3)}`)
    .join(' ');

/** A live bar on a TTY; plain lines otherwise (or when `quiet`). */
export function createProgress(options: { quiet: boolean; stream?: NodeJS.WriteStream }): ProgressSink {
  const stream = options.stream ?? process.stderr;
  if (options.quiet || !stream.isTTY) return plainProgress(stream, options.quiet);
  // A MultiBar (with one bar) because it can print lines above the bar and keep drawing it:
  // notes such as each epoch's validation Dice must not end the bar for the rest of the run.
  let bars: cliProgress.MultiBar | undefined;
  let bar: cliProgress.SingleBar | undefined;
  let begun = 0;
  let startStep = 0;
  return {
    start(run, totalSteps, from) {
      bars?.stop();
      startStep = from;
      begun = performance.now();
      bars = new cliProgress.MultiBar(
        {
          stream,
          format: `${run} |{bar}| {value}/{total} · epoch {epoch}/{epochs} · loss {loss} · {rate} step/s · ETA {eta_formatted} · {terms}`,
          hideCursor: true,
          barsize: 24,
          etaBuffer: 20,
          fps: 5,
          gracefulExit: false, // Ctrl-C / SIGTERM are the run's (cli/run-session.ts)
        },
        cliProgress.Presets.shades_classic,
      );
      bar = bars.create(totalSteps, from, { epoch: 0, epochs: 0, loss: '–', rate: '–', terms: '' });
    },
    step(info) {
      const elapsed = (performance.now() - begun) / 1000;
      const rate = elapsed > 0 ? ((info.step - startStep) / elapsed).toFixed(2) : '–';
      bar?.update(info.step, {
        epoch: info.epoch + 1,
        epochs: info.epochs,
        loss: info.loss.toFixed(4),
        rate,
        terms: shortTerms(info.terms),
      });
    },
    note(line) {
      if (!bars) {
        stream.write(`${line}\n`);
        return;
      }
      // Printed above the bar, which is drawn again below it at once.
      bars.log(`${line}\n`);
      bars.update();
    },
    stop() {
      bars?.stop();
      bars = undefined;
      bar = undefined;
    },
  };
}

function plainProgress(stream: NodeJS.WriteStream, quiet: boolean): ProgressSink {
  let begun = 0;
  let startStep = 0;
  let total = 0;
  let name = '';
  return {
    start(run, totalSteps, from) {
      name = run;
      total = totalSteps;
      startStep = from;
      begun = performance.now();
      if (!quiet) stream.write(`${run}: training ${totalSteps} steps${from > 0 ? `, resuming at ${from}` : ''}\n`);
    },
    step(info) {
      if (!info.endOfEpoch && info.step !== total) return;
      const elapsed = (performance.now() - begun) / 1000;
      const perStep = elapsed / Math.max(1, info.step - startStep);
      const eta = Math.round(perStep * (total - info.step));
      stream.write(
        `${name}: epoch ${info.epoch + 1}/${info.epochs} step ${info.step}/${total} loss ${info.loss.toFixed(4)} ` +
          `(${shortTerms(info.terms)}) ${(1 / perStep).toFixed(2)} step/s ETA ${eta}s\n`,
      );
    },
    note(line) {
      stream.write(`${line}\n`);
    },
    stop() {},
  };
}
