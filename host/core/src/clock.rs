/// The wall clock in milliseconds since the Unix epoch (0 before it, `u64::MAX` far after):
/// what every `*_unix_ms` field holds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
