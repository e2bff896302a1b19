// Dense Cholesky factorisation and triangular solve, the numerical core of the per-position Mahalanobis distance:
// with C = L L^T, (x - mu)^T C^-1 (x - mu) = |L^-1 (x - mu)|^2, so no explicit inverse is ever formed.

/**
 * In-place Cholesky of the symmetric positive-definite n x n matrix stored row-major in `matrix` at `offset`
 * (only the lower triangle is read). On return the lower triangle holds L and the upper triangle is zeroed.
 * Returns false when the matrix is not positive definite.
 */
export function choleskyInPlace(matrix: Float64Array, n: number, offset = 0): boolean {
  for (let j = 0; j < n; j++) {
    const rowJ = offset + j * n;
    let diagonal = matrix[rowJ + j];
    for (let k = 0; k < j; k++) diagonal -= matrix[rowJ + k] * matrix[rowJ + k];
    if (!(diagonal > 0)) return false;
    const pivot = Math.sqrt(diagonal);
    matrix[rowJ + j] = pivot;
    for (let i = j + 1; i < n; i++) {
      const rowI = offset + i * n;
      let value = matrix[rowI + j];
      for (let k = 0; k < j; k++) value -= matrix[rowI + k] * matrix[rowJ + k];
      matrix[rowI + j] = value / pivot;
    }
    for (let k = j + 1; k < n; k++) matrix[rowJ + k] = 0;
  }
  return true;
}

/**
 * |L^-1 v|^2 for the lower-triangular L stored at `offset` (row-major n x n) and the vector v = `vector`;
 * `scratch` (length >= n) receives L^-1 v by forward substitution.
 */
export function squaredNormOfForwardSolve(
  factor: Float64Array,
  n: number,
  offset: number,
  vector: Float64Array,
  scratch: Float64Array,
): number {
  let squaredNorm = 0;
  for (let i = 0; i < n; i++) {
    const row = offset + i * n;
    let value = vector[i];
    for (let k = 0; k < i; k++) value -= factor[row + k] * scratch[k];
    value /= factor[row + i];
    scratch[i] = value;
    squaredNorm += value * value;
  }
  return squaredNorm;
}
