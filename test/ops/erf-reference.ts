/**
 * erf in float64, for the tests' references (GELU, the Swin block, the EAM, ablate's fused
 * erf kernel): its Maclaurin series for |z| ≤ 3, the continued fraction of erfc beyond; NaN
 * for NaN. Not a test file.
 */
export function erf64(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const a = Math.abs(z);
  if (a <= 3) {
    let sum = 0;
    let term = z; // (-1)^n z^(2n+1) / n!
    for (let n = 0; n < 100; n++) {
      sum += term / (2 * n + 1);
      term *= (-z * z) / (n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(a) = e^(−a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + …)))), evaluated from the tail
  let f = a;
  for (let k = 60; k >= 1; k--) f = a + k / 2 / f;
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return Math.sign(z) * (1 - erfc);
}
