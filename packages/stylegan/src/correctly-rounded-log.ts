// Natural logarithm rounded to the nearest float64, for replaying NumPy's Gaussian stream.
//
// NumPy's legacy Gaussian calls C's `log`, which glibc computes to within ~0.52 ulp, so in
// practice it returns the correctly rounded value. V8's `Math.log` (an fdlibm port) is only
// within 1 ulp and differs from glibc on a few values per thousand, which would make
// `randn` differ in the last bit. We therefore evaluate log in double-double arithmetic
// (~100 significant bits) and round once at the end.

/** A value represented as the unevaluated sum hi + lo with |lo| <= ulp(hi) / 2. */
type DoubleDouble = readonly [hi: number, lo: number];

// ln 2 split into a float64 and the float64 nearest to the remainder.
const LN2: DoubleDouble = [0.6931471805599453, 2.3190468138462996e-17];
const SQRT2 = Math.SQRT2;
// Dekker's splitter for float64: 2^27 + 1.
const SPLITTER = 134217729;
// With |s| <= (sqrt2 - 1) / (sqrt2 + 1), s^2 < 0.0295, so 24 odd terms shrink below 2^-120.
const SERIES_TERMS = 24;

function twoSum(a: number, b: number): DoubleDouble {
  const sum = a + b;
  const bVirtual = sum - a;
  const error = a - (sum - bVirtual) + (b - bVirtual);
  return [sum, error];
}

function quickTwoSum(a: number, b: number): DoubleDouble {
  const sum = a + b;
  return [sum, b - (sum - a)];
}

function twoProduct(a: number, b: number): DoubleDouble {
  const product = a * b;
  const aBig = SPLITTER * a;
  const aHi = aBig - (aBig - a);
  const aLo = a - aHi;
  const bBig = SPLITTER * b;
  const bHi = bBig - (bBig - b);
  const bLo = b - bHi;
  const error = aHi * bHi - product + aHi * bLo + aLo * bHi + aLo * bLo;
  return [product, error];
}

function add(x: DoubleDouble, y: DoubleDouble): DoubleDouble {
  const [sum, sumError] = twoSum(x[0], y[0]);
  const [loSum, loError] = twoSum(x[1], y[1]);
  const [hi, lo] = quickTwoSum(sum, sumError + loSum);
  return quickTwoSum(hi, lo + loError);
}

function multiply(x: DoubleDouble, y: DoubleDouble): DoubleDouble {
  const [product, error] = twoProduct(x[0], y[0]);
  return quickTwoSum(product, error + (x[0] * y[1] + x[1] * y[0]));
}

function divide(x: DoubleDouble, y: DoubleDouble): DoubleDouble {
  // Long division: two quotient digits plus a correction from the remainder.
  const q1 = x[0] / y[0];
  let remainder = add(x, negate(multiply(y, [q1, 0])));
  const q2 = remainder[0] / y[0];
  remainder = add(remainder, negate(multiply(y, [q2, 0])));
  const q3 = remainder[0] / y[0];
  return add(quickTwoSum(q1, q2), [q3, 0]);
}

function negate(x: DoubleDouble): DoubleDouble {
  return [-x[0], -x[1]];
}

// 1 / (2k + 1) to double-double precision, the coefficients of atanh's series.
const ODD_RECIPROCALS: DoubleDouble[] = Array.from({ length: SERIES_TERMS }, (_, k) =>
  divide([1, 0], [2 * k + 1, 0]),
);

/**
 * log(x) for a positive, finite, normal float64 `x`, correctly rounded except when the exact
 * value lies within ~2^-100 relative of a rounding boundary.
 */
export function correctlyRoundedLog(x: number): number {
  if (!(x > 0) || !Number.isFinite(x) || x < 2.2250738585072014e-308) return Math.log(x);
  // x = m * 2^e with m in [sqrt(1/2), sqrt(2)); scaling by a power of two is exact.
  let exponent = Math.floor(Math.log2(x));
  let mantissa = x / 2 ** exponent;
  // Math.log2 may land one off near powers of two; fix up so m is in [1, 2) first.
  while (mantissa >= 2) {
    mantissa /= 2;
    exponent += 1;
  }
  while (mantissa < 1) {
    mantissa *= 2;
    exponent -= 1;
  }
  if (mantissa > SQRT2) {
    mantissa /= 2;
    exponent += 1;
  }
  // log(m) = 2 atanh(s) with s = (m - 1) / (m + 1); m - 1 is exact (Sterbenz).
  const s = divide([mantissa - 1, 0], twoSum(mantissa, 1));
  const sSquared = multiply(s, s);
  let series = ODD_RECIPROCALS[SERIES_TERMS - 1];
  for (let k = SERIES_TERMS - 2; k >= 0; k--) {
    series = add(multiply(series, sSquared), ODD_RECIPROCALS[k]);
  }
  const logMantissa = multiply([2 * s[0], 2 * s[1]], series);
  const result = add(multiply(LN2, [exponent, 0]), logMantissa);
  return result[0] + result[1];
}
