//! Amounts of ether as people write them: `1ether`, `1.5ether`, `20gwei`, `100wei`, `100`.

use devnet_plugin_sdk::PluginError;
use devnet_plugin_sdk::evm::U256;

/// `amount` (a decimal number, with a fraction only as far as the unit allows) of `unit`
/// (`wei` or empty, `gwei`, `ether` or `eth`), in wei.
pub fn wei(amount: &str, unit: &str) -> Result<U256, PluginError> {
    let decimals: usize = match unit.to_ascii_lowercase().as_str() {
        "" | "wei" => 0,
        "gwei" => 9,
        "ether" | "eth" => 18,
        other => {
            return Err(PluginError::invalid(format!(
                "unit {other:?}: use wei, gwei or ether (e.g. `1.5ether`)"
            )));
        }
    };
    let bad = || {
        PluginError::invalid(format!(
            "amount {amount:?} is not a decimal number (e.g. `1.5ether`, `100wei`)"
        ))
    };
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
    if whole.is_empty() && fraction.is_empty() || !(whole.chars().chain(fraction.chars())).all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > decimals {
        return Err(PluginError::invalid(format!(
            "amount {amount}{unit} is finer than 1 wei: at most {decimals} decimals for {}",
            if unit.is_empty() { "wei" } else { unit }
        )));
    }
    let digits = format!("{whole}{fraction:0<decimals$}");
    let digits = if digits.trim_start_matches('0').is_empty() {
        "0"
    } else {
        &digits
    };
    U256::from_str_radix(digits, 10).map_err(|_| bad())
}

/// An amount with its unit written after it, `1.5ether`; plain digits are wei.
pub fn parse(text: &str) -> Result<U256, PluginError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    wei(&text[..split], text[split..].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_should_read_in_each_unit_and_refuse_what_is_not_one() {
        let e18 = U256::from(10u64).pow(U256::from(18u64));
        assert_eq!(parse("1ether").unwrap(), e18);
        assert_eq!(parse("1.5 ether").unwrap(), e18 * U256::from(3u64) / U256::from(2u64));
        assert_eq!(parse("20gwei").unwrap(), U256::from(20_000_000_000u64));
        assert_eq!(parse("12345").unwrap(), U256::from(12_345u64));
        assert_eq!(parse("100wei").unwrap(), U256::from(100u64));
        assert_eq!(parse("0.000000001gwei").unwrap(), U256::from(1u64));
        assert_eq!(parse("1.000ether").unwrap(), e18);
        for bad in ["", "ether", "1.2.3ether", "1btc", "0.5wei", "1e18", "-1"] {
            assert!(parse(bad).is_err(), "{bad:?} was read");
        }
        assert!(matches!(parse("0.1wei"), Err(PluginError::InvalidInput(m)) if m.contains("finer than 1 wei")));
    }
}
