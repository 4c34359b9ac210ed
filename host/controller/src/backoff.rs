use std::time::Duration;

/// Exponential backoff: `initial`, then doubling up to `max`; [`Backoff::reset`] starts over.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self {
            initial,
            max,
            next: initial,
        }
    }

    pub fn reset(&mut self) {
        self.next = self.initial;
    }
}

impl Default for Backoff {
    /// 500 ms doubling to 5 min.
    fn default() -> Self {
        Self::new(Duration::from_millis(500), Duration::from_secs(300))
    }
}

impl Iterator for Backoff {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let now = self.next;
        self.next = (self.next * 2).min(self.max);
        Some(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_should_double_to_its_cap_and_start_over_on_reset() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(5));
        let first: Vec<u64> = b.by_ref().take(5).map(|d| d.as_secs()).collect();
        assert_eq!(first, [1, 2, 4, 5, 5]);
        b.reset();
        assert_eq!(b.next(), Some(Duration::from_secs(1)));
    }
}
