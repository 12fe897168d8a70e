//! The vector width of the hot loops, chosen at run time.
//!
//! A few loops over a block's paths (bucket indices, the run-rate's `exp`, the
//! share arithmetic) are written once as plain Rust that the compiler
//! vectorises, then compiled three times by `multiversion!`: for the
//! baseline x86-64 (SSE2), for AVX2 and for AVX-512 (both with BMI1 and
//! BMI2, which every processor with AVX2 has unless a hypervisor hides them:
//! then the baseline runs). Rust never fuses a
//! multiply and an add on its own, and these loops use no operation whose
//! result depends on the width, so the three give the same bits; tests check
//! every width the processor has against the baseline. (The project's own
//! builds are for the building machine's processor, `.cargo/config.toml`, so
//! there the "baseline" copy has that machine's instructions too; `.ci/run`
//! also tests a build for plain x86-64, where it is SSE2.)

/// A vector width this processor supports (one is only made after checking).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Width {
    level: u8,
}

impl Width {
    const BASELINE: u8 = 0;
    const AVX2: u8 = 1;
    const AVX512: u8 = 2;

    /// The baseline build's (always supported).
    pub fn baseline() -> Width {
        Width { level: Self::BASELINE }
    }

    /// Whether this processor has every feature that the functions compiled
    /// for `level` enable, or imply (AVX-512F implies AVX2, FMA and F16C; a
    /// hypervisor may hide one and not the other).
    fn has(level: u8) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            let avx2 = std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("bmi1")
                && std::arch::is_x86_feature_detected!("bmi2");
            match level {
                Self::AVX2 => avx2,
                Self::AVX512 => {
                    avx2 && std::arch::is_x86_feature_detected!("fma")
                        && std::arch::is_x86_feature_detected!("f16c")
                        && std::arch::is_x86_feature_detected!("avx512f")
                        && std::arch::is_x86_feature_detected!("avx512dq")
                        && std::arch::is_x86_feature_detected!("avx512vl")
                        && std::arch::is_x86_feature_detected!("avx512bw")
                }
                _ => level == Self::BASELINE,
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            level == Self::BASELINE
        }
    }

    /// The widest this processor supports (found once, then remembered).
    #[inline]
    pub fn widest() -> Width {
        use std::sync::atomic::{AtomicU8, Ordering};
        static WIDEST: AtomicU8 = AtomicU8::new(u8::MAX);
        let mut level = WIDEST.load(Ordering::Relaxed);
        if level == u8::MAX {
            level = [Self::AVX512, Self::AVX2].into_iter().find(|l| Self::has(*l)).unwrap_or(Self::BASELINE);
            WIDEST.store(level, Ordering::Relaxed);
        }
        Width { level }
    }

    /// Every width this processor supports, narrowest first.
    pub fn supported() -> Vec<Width> {
        [Self::BASELINE, Self::AVX2, Self::AVX512]
            .into_iter()
            .filter(|l| Self::has(*l))
            .map(|level| Width { level })
            .collect()
    }

    /// Whether this is the AVX-512 width (for the few loops written with its
    /// intrinsics, where the compiler would not vectorise the plain Rust).
    pub(crate) fn is_avx512(self) -> bool {
        self.level == Self::AVX512
    }

    /// Whether this is the AVX2 width (for loops written with its intrinsics).
    pub(crate) fn is_avx2(self) -> bool {
        self.level == Self::AVX2
    }

    /// For [`multiversion!`] only.
    #[doc(hidden)]
    pub(crate) fn level(self) -> u8 {
        self.level
    }

    /// For [`multiversion!`] only.
    #[doc(hidden)]
    pub(crate) const LEVELS: (u8, u8) = (Self::AVX2, Self::AVX512);
}

/// `multiversion! { fn name(a: A, b: B) -> R = body; }` defines
/// `fn name(width: Width, a: A, b: B) -> R`, which runs `body` (an
/// `#[inline(always)]` function taking `a, b`) compiled for `width`.
///
/// `multiversion! { fn name(width, a: A) -> R = body; }` (the first
/// parameter `width` with no type) does the same, but hands `body` the
/// width too, for a body that calls other multiversioned functions: so that
/// each copy runs them at its own width.
macro_rules! multiversion {
    ($(#[$attr:meta])* $vis:vis fn $name:ident(width, $($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? = $body:path;) => {
        $(#[$attr])*
        $vis fn $name(width: $crate::simd::Width, $($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn body(width: $crate::simd::Width, $($arg: $ty),*) $(-> $ret)? {
                $body(width, $($arg),*)
            }
            $crate::simd::multiversion!(@dispatch width, body, ($($arg: $ty),*) $(-> $ret)?)
        }
    };
    ($(#[$attr:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? = $body:path;) => {
        $(#[$attr])*
        $vis fn $name(width: $crate::simd::Width, $($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn body(_: $crate::simd::Width, $($arg: $ty),*) $(-> $ret)? {
                $body($($arg),*)
            }
            $crate::simd::multiversion!(@dispatch width, body, ($($arg: $ty),*) $(-> $ret)?)
        }
    };
    // `body(width, args)` compiled for AVX-512, for AVX2 and for the
    // baseline, the one `width` says run.
    (@dispatch $width:ident, $body:ident, ($($arg:ident: $ty:ty),*) $(-> $ret:ty)?) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx512bw,bmi1,bmi2")]
            fn avx512(width: $crate::simd::Width, $($arg: $ty),*) $(-> $ret)? {
                $body(width, $($arg),*)
            }
            #[target_feature(enable = "avx2,bmi1,bmi2")]
            fn avx2(width: $crate::simd::Width, $($arg: $ty),*) $(-> $ret)? {
                $body(width, $($arg),*)
            }
            let (avx2_level, avx512_level) = $crate::simd::Width::LEVELS;
            if $width.level() == avx512_level {
                // SAFETY: a `Width` at this level is only made once the
                // processor has been checked to support AVX-512.
                return unsafe { avx512($width, $($arg),*) };
            }
            if $width.level() == avx2_level {
                // SAFETY: likewise for AVX2.
                return unsafe { avx2($width, $($arg),*) };
            }
        }
        // Elsewhere there is only the baseline.
        $body($width, $($arg),*)
    }};
}
pub(crate) use multiversion;

/// One cache line of values (64 bytes), aligned to its start.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
struct Line([f64; 8]);

/// A buffer of values that starts at a cache line: a vector load or store
/// of a row that starts at a multiple of eight values then never straddles
/// two lines (which costs a second access on Intel processors, for every
/// 64-byte access of AVX-512 when rows fall where the allocator puts them).
#[derive(Clone, Debug)]
pub struct Aligned {
    lines: Vec<Line>,
    len: usize,
}

impl Aligned {
    /// `len` copies of `value`.
    pub fn new(len: usize, value: f64) -> Aligned {
        Aligned { lines: vec![Line([value; 8]); len.div_ceil(8)], len }
    }
}

impl std::ops::Deref for Aligned {
    type Target = [f64];
    fn deref(&self) -> &[f64] {
        // SAFETY: a Line is eight f64 and nothing else (repr(C), no padding:
        // its size is its alignment, 64), so the lines are len.div_ceil(8) * 8
        // initialised values in a row, of which the first `len` are shown.
        unsafe { std::slice::from_raw_parts(self.lines.as_ptr().cast::<f64>(), self.len) }
    }
}

impl std::ops::DerefMut for Aligned {
    fn deref_mut(&mut self) -> &mut [f64] {
        // SAFETY: as for `deref`, borrowed mutably through `self`.
        unsafe { std::slice::from_raw_parts_mut(self.lines.as_mut_ptr().cast::<f64>(), self.len) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An aligned buffer starts at a cache line, holds exactly its values,
    /// and a copy does too.
    #[test]
    fn aligned_buffers_start_at_a_cache_line() {
        for len in [0, 1, 7, 8, 9, 1000, 1024] {
            let mut a = Aligned::new(len, 2.5);
            assert_eq!(a.len(), len);
            assert!(a.iter().all(|x| *x == 2.5));
            if len > 0 {
                a[len - 1] = -1.0;
            }
            let b = a.clone();
            for buf in [&a, &b] {
                assert_eq!(buf.as_ptr() as usize % 64, 0, "{len} values");
                assert_eq!(buf.last().copied(), (len > 0).then_some(-1.0));
            }
        }
    }

    #[test]
    fn the_widest_is_supported_and_the_baseline_always_is() {
        let all = Width::supported();
        assert_eq!(all[0], Width::baseline());
        assert_eq!(*all.last().unwrap(), Width::widest());
        assert!(all.windows(2).all(|w| w[0].level < w[1].level));
    }
}
