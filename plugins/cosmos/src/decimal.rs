//! The SDK's `LegacyDec`: 18 decimal places. JSON shows `0.100000000000000000`; protobuf carries
//! the scaled integer `100000000000000000`.

const PLACES: usize = 18;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dec(u128);

impl Dec {
    /// Parses a non-negative literal written in this crate (`0.1`, `1`); at most 18 places.
    pub fn parse(text: &str) -> Self {
        let (int, frac) = text.split_once('.').unwrap_or((text, ""));
        let mut digits = String::from(int);
        digits.push_str(frac);
        digits.extend(std::iter::repeat_n('0', PLACES.saturating_sub(frac.len())));
        Dec(digits.parse().unwrap_or(0))
    }

    pub fn wire(self) -> String {
        self.0.to_string()
    }

    pub fn json(self) -> String {
        let scale = 10u128.pow(PLACES as u32);
        format!("{}.{:018}", self.0 / scale, self.0 % scale)
    }
}

#[cfg(test)]
mod tests {
    use super::Dec;

    #[test]
    fn dec_should_match_the_sdks_text_forms() {
        assert_eq!(Dec::parse("0.1").wire(), "100000000000000000");
        assert_eq!(Dec::parse("0.1").json(), "0.100000000000000000");
        assert_eq!(Dec::parse("0.01").json(), "0.010000000000000000");
        assert_eq!(Dec::parse("2").json(), "2.000000000000000000");
    }
}
