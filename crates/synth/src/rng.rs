//! The one random source of the generator: PCG64-MCG seeded from the config seed, with samplers written
//! only in terms of IEEE basic operations and `libm` so that native and wasm builds draw identical values.

use rand::{RngCore, SeedableRng};
use rand_pcg::Pcg64Mcg;

pub struct Rand {
    inner: Pcg64Mcg,
}

impl Rand {
    pub fn new(seed: u64) -> Self {
        Self {
            inner: Pcg64Mcg::seed_from_u64(seed),
        }
    }

    pub fn u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    pub fn u128(&mut self) -> u128 {
        (u128::from(self.u64()) << 64) | u128::from(self.u64())
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in [0, n); 0 when n is 0.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform integer in [lo, hi] (inclusive).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(std::f64::consts::TAU * u2)
    }

    /// Log-normal with the given median and log-space sigma.
    pub fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * libm::exp(sigma * self.normal())
    }

    /// Log-normal with a heavy tail: with probability `tail_p` the value is multiplied by 3-20x.
    pub fn latency(&mut self, median_ms: f64, sigma: f64, tail_p: f64) -> f64 {
        let base = self.lognormal(median_ms, sigma);
        if self.chance(tail_p) {
            base * (3.0 + 17.0 * self.unit() * self.unit())
        } else {
            base
        }
    }

    /// Geometric count >= 1 with continuation probability `p`, capped at `max`.
    pub fn turns(&mut self, p: f64, max: u32) -> u32 {
        let mut k = 1;
        while k < max && self.chance(p) {
            k += 1;
        }
        k
    }

    /// Index in [0, n) skewed to low values (long-tailed popularity): u^skew scaled.
    pub fn skewed(&mut self, n: u64, skew: f64) -> u64 {
        let u = self.unit();
        let x = libm::pow(u, skew) * n as f64;
        (x as u64).min(n.saturating_sub(1))
    }

    /// Picks an index by integer weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut r = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if r < u64::from(w) {
                return i;
            }
            r -= u64::from(w);
        }
        0
    }
}
