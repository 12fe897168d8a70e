//! The vector width of the hot loops, chosen at run time.
//!
//! A few loops over a block's paths (bucket indices, the run-rate's `exp`, the
//! share arithmetic) are written once as plain Rust that the compiler
//! vectorises, then compiled three times by [`multiversion!`]: for the
//! baseline x86-64 (SSE2), for AVX2 and for AVX-512. Rust never fuses a
//! multiply and an add on its own, and these loops use no operation whose
//! result depends on the width, so the three give the same bits; tests check
//! every width the processor has against the baseline.

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

    /// The widest this processor supports.
    #[inline]
    pub fn widest() -> Width {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512dq")
                && std::arch::is_x86_feature_detected!("avx512vl")
                && std::arch::is_x86_feature_detected!("avx512bw")
            {
                return Width { level: Self::AVX512 };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Width { level: Self::AVX2 };
            }
        }
        Self::baseline()
    }

    /// Every width this processor supports, narrowest first.
    pub fn supported() -> Vec<Width> {
        (Self::BASELINE..=Self::widest().level).map(|level| Width { level }).collect()
    }

    /// For [`multiversion!`] only.
    #[doc(hidden)]
    pub fn level(self) -> u8 {
        self.level
    }

    /// For [`multiversion!`] only.
    #[doc(hidden)]
    pub const LEVELS: (u8, u8) = (Self::AVX2, Self::AVX512);
}

/// `multiversion! { fn name(a: A, b: B) -> R = body; }` defines
/// `fn name(width: Width, a: A, b: B) -> R`, which runs `body` (an
/// `#[inline(always)]` function taking `a, b`) compiled for `width`.
macro_rules! multiversion {
    ($(#[$attr:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? = $body:path;) => {
        $(#[$attr])*
        $vis fn $name(width: $crate::simd::Width, $($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx512bw")]
                fn avx512($($arg: $ty),*) $(-> $ret)? {
                    $body($($arg),*)
                }
                #[target_feature(enable = "avx2")]
                fn avx2($($arg: $ty),*) $(-> $ret)? {
                    $body($($arg),*)
                }
                let (avx2_level, avx512_level) = $crate::simd::Width::LEVELS;
                if width.level() == avx512_level {
                    // SAFETY: a `Width` at this level is only made once the
                    // processor has been checked to support AVX-512.
                    return unsafe { avx512($($arg),*) };
                }
                if width.level() == avx2_level {
                    // SAFETY: likewise for AVX2.
                    return unsafe { avx2($($arg),*) };
                }
            }
            $body($($arg),*)
        }
    };
}
pub(crate) use multiversion;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_widest_is_supported_and_the_baseline_always_is() {
        let all = Width::supported();
        assert_eq!(all[0], Width::baseline());
        assert_eq!(*all.last().unwrap(), Width::widest());
    }
}
