//! Rate-limit timing: the least wall-clock time a piece of work needs.
//!
//! A model's table (or the item itself) may state `concurrent_jobs` with a
//! `latency_seconds` range — jobs run in batches of `concurrent_jobs`, each
//! batch taking between the least and the most latency — and/or `rpm`,
//! requests per minute. With both, the slower bound wins. Times are whole
//! seconds, rounded up; arithmetic is in integers (`u128`), so no float and
//! no overflow for any count the plan accepts.

use crate::pricing::RateLimits;

/// Seconds of wall-clock time some work needs at best and at worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub min_seconds: u64,
    pub max_seconds: u64,
}

/// Seconds in a day: a `per_day` item must fit its day's work in this.
pub const DAY: u64 = 86_400;

/// The least and most time `jobs` jobs take under `limits`, or `None` when
/// the limits say nothing that times them (concurrency needs a latency).
pub fn least_time(jobs: u64, limits: &RateLimits) -> Option<Timing> {
    let jobs = u128::from(jobs);
    let batches = match (limits.concurrent_jobs, limits.latency_seconds) {
        (Some(c), Some((lo, hi))) => {
            let b = jobs.div_ceil(u128::from(c.max(1)));
            Some((b * u128::from(lo), b * u128::from(hi)))
        }
        _ => None,
    };
    let by_rpm = limits
        .rpm
        .map(|rpm| (jobs * 60).div_ceil(u128::from(rpm.max(1))));
    let (min, max) = match (batches, by_rpm) {
        (None, None) => return None,
        (Some((lo, hi)), None) => (lo, hi),
        (None, Some(r)) => (r, r),
        (Some((lo, hi)), Some(r)) => (lo.max(r), hi.max(r)),
    };
    let clamp = |v: u128| u64::try_from(v).unwrap_or(u64::MAX);
    Some(Timing {
        min_seconds: clamp(min),
        max_seconds: clamp(max),
    })
}

/// `seconds` as hours with one decimal, e.g. `27.8 h`.
pub fn hours(seconds: u64) -> String {
    let tenths = (u128::from(seconds) * 10).div_ceil(3600);
    format!("{}.{} h", tenths / 10, tenths % 10)
}

/// A short human reading of seconds: `45 s`, `12 min`, `3.5 h`.
pub fn human(seconds: u64) -> String {
    if seconds < 120 {
        format!("{seconds} s")
    } else if seconds < 2 * 3600 {
        format!("{} min", seconds.div_ceil(60))
    } else {
        hours(seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(c: Option<u32>, lat: Option<(u32, u32)>, rpm: Option<u32>) -> RateLimits {
        RateLimits {
            concurrent_jobs: c,
            latency_seconds: lat,
            rpm,
        }
    }

    #[test]
    fn batches_of_concurrent_jobs() {
        // 25 clips, 10 at a time: 3 batches; 3 × 45 = 135 s, 3 × 120 = 360 s.
        let t = least_time(25, &limits(Some(10), Some((45, 120)), None)).unwrap();
        assert_eq!((t.min_seconds, t.max_seconds), (135, 360));
    }

    #[test]
    fn requests_per_minute() {
        // 10,000 requests at 500 rpm: 20 minutes = 1200 s.
        let t = least_time(10_000, &limits(None, None, Some(500))).unwrap();
        assert_eq!((t.min_seconds, t.max_seconds), (1200, 1200));
        // 1 request at 7 rpm: 60/7 = 8.57 -> 9 s (rounded up).
        assert_eq!(
            least_time(1, &limits(None, None, Some(7)))
                .unwrap()
                .min_seconds,
            9
        );
    }

    #[test]
    fn the_slower_bound_wins_and_nothing_times_nothing() {
        // 100 jobs: batches 10 × (1..2 s) = 10..20 s; rpm 60 -> 100 s.
        let t = least_time(100, &limits(Some(10), Some((1, 2)), Some(60))).unwrap();
        assert_eq!((t.min_seconds, t.max_seconds), (100, 100));
        assert_eq!(least_time(5, &limits(Some(10), None, None)), None);
        assert_eq!(least_time(5, &RateLimits::default()), None);
    }

    #[test]
    fn readable_durations() {
        assert_eq!(hours(100_000), "27.8 h");
        assert_eq!(human(45), "45 s");
        assert_eq!(human(1200), "20 min");
        assert_eq!(human(12_600), "3.5 h");
    }
}
