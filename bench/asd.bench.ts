/**
 * ASD/HD95 benchmark (issue 3): two offset ellipsoids on a 256×256×128 grid with spacing
 * 1×1×1.5 mm, median over repeated runs; and, on a 32³ case, the speed-up over the
 * brute-force O(|∂A|·|∂B|) reference used by the tests.
 *
 * Run: node --import tsx bench/asd.bench.ts
 */
import { performance } from 'node:perf_hooks';
import { surfaceDistanceMetrics } from '../runtime/metrics/surface-distance.ts';
import type { Dims3, SpacingMm } from '../runtime/metrics/mask.ts';
import { bruteForceSurfaceMetrics, maskFrom, type Point } from '../test/metrics/brute-force-reference.ts';

function ellipsoid(dims: Point, c: Point, r: Point): Uint8Array {
  return maskFrom(dims, (x, y, z) => ((x - c[0]) / r[0]) ** 2 + ((y - c[1]) / r[1]) ** 2 + ((z - c[2]) / r[2]) ** 2 <= 1);
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median wall time and median CPU time (user + system) of `runs` calls after one warm-up. */
function time<T>(runs: number, f: () => T): { ms: number; cpuMs: number; result: T } {
  let result = f(); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    result = f();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { ms: median(wall), cpuMs: median(cpu), result };
}

// Large case.
{
  const dims: Point = [256, 256, 128];
  const spacing: Point = [1, 1, 1.5];
  const a = ellipsoid(dims, [128, 128, 64], [90, 75, 45]);
  const b = ellipsoid(dims, [134, 122, 67], [84, 80, 42]);
  const runs = 7;
  const { ms, cpuMs, result } = time(runs, () => surfaceDistanceMetrics(a, b, dims as Dims3, { spacingMm: spacing as SpacingMm }));
  console.log(
    `ASD+HD95 256×256×128 @ 1×1×1.5 mm: median ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU over ${runs} runs ` +
      `(ASD ${result.asd.toFixed(6)} mm, HD95 ${result.hd95.toFixed(6)} mm; target < 1000 ms)`,
  );
}

// Small case against the brute-force reference.
{
  const dims: Point = [32, 32, 32];
  const spacing: Point = [1, 1, 1.5];
  const a = ellipsoid(dims, [16, 16, 16], [11, 9, 8]);
  const b = ellipsoid(dims, [17.5, 15, 16.5], [10, 10, 7]);
  const fast = time(21, () => surfaceDistanceMetrics(a, b, dims as Dims3, { spacingMm: spacing as SpacingMm }));
  const brute = time(3, () => bruteForceSurfaceMetrics(a, b, dims, spacing));
  const agree = Math.abs(fast.result.asd - brute.result.asd) < 1e-6 && Math.abs(fast.result.hd95 - brute.result.hd95) < 1e-6;
  console.log(
    `32³: EDT ${fast.ms.toFixed(2)} ms vs brute force ${brute.ms.toFixed(1)} ms (median) → ${(brute.ms / fast.ms).toFixed(0)}× faster; ` +
      `results ${agree ? 'agree to 1e-6 mm' : 'DISAGREE'} (ASD ${fast.result.asd.toFixed(4)} mm)`,
  );
  if (!agree) process.exitCode = 1;
}
