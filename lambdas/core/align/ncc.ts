// Normalised cross-correlation over paired samples: the one accumulator behind every NCC score (objectNcc, the
// verification's warpedNcc, the registration check). Callers differ only in how they fetch the pairs and in the
// variance below which a constant patch scores 0.
export class NccSums {
  n = 0;
  private sa = 0;
  private sb = 0;
  private saa = 0;
  private sbb = 0;
  private sab = 0;

  add(a: number, b: number): void {
    this.n++;
    this.sa += a;
    this.sb += b;
    this.saa += a * a;
    this.sbb += b * b;
    this.sab += a * b;
  }

  /** The correlation; 0 when fewer than `minSamples` pairs were added or either side's variance is <= `epsilon`. */
  value(epsilon: number, minSamples = 0): number {
    const n = this.n;
    if (n < minSamples) return 0;
    const cov = this.sab - (this.sa * this.sb) / n;
    const va = this.saa - (this.sa * this.sa) / n;
    const vb = this.sbb - (this.sb * this.sb) / n;
    return va <= epsilon || vb <= epsilon ? 0 : cov / Math.sqrt(va * vb);
  }
}
