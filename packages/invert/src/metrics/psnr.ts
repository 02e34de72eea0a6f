/** Peak signal-to-noise ratio, 10·log10(L² / MSE), over every value of two equally long images. */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>, dataRange = 255): number {
  if (a.length !== b.length || a.length === 0) throw new Error(`psnr: images of ${a.length} and ${b.length} values`);
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  const mse = se / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((dataRange * dataRange) / mse);
}
