//! `-o yaml` and `-o name` beside table and json, on a real devnet.

use devnet_e2e::daemon::Daemon;

#[test]
fn yaml_and_name_output_should_say_what_json_says() {
    let d = Daemon::start();
    d.dvb_ok(&["deploy", "--name", "eth", "--network", "evm", "--set", "client=anvil"]);

    // -o name: one name a line, for shell loops.
    assert_eq!(d.dvb_ok(&["list", "-o", "name"]).stdout, "eth\n");
    assert_eq!(
        d.dvb_ok(&["nodes", "list", "eth", "-o", "name"]).stdout,
        "eth/validator-0\n"
    );
    assert_eq!(
        d.dvb_ok(&["status", "eth", "-o", "name"]).stdout,
        "eth\neth/validator-0\n"
    );
    let events = d.dvb_ok(&["events", "--devnet", "eth", "-o", "name"]).stdout;
    assert!(
        events.lines().all(|l| l.starts_with("eth")) && events.contains("eth/validator-0"),
        "{events}"
    );

    // -o yaml: the same fields and values as -o json.
    let json = d.dvb_ok(&["list", "-o", "json"]).json();
    let yaml = d.dvb_ok(&["list", "-o", "yaml"]).stdout;
    let spec = &json[0]["spec"];
    for key in ["network", "chain_id", "binary"] {
        let value = spec[key].as_str().unwrap();
        assert!(
            yaml.lines().any(|l| {
                let l = l.trim();
                l == format!("{key}: {value}") || l == format!("{key}: \"{value}\"") || l == format!("{key}: '{value}'")
            }),
            "{key}: {value} missing from\n{yaml}"
        );
    }
    assert!(yaml.contains("name: eth"), "{yaml}");

    // A result without names says so and how to get it.
    let run = d.dvb(&["daemon", "config", "-o", "name"]);
    assert!(!run.ok && run.stderr.contains("-o json or -o yaml"), "{}", run.stderr);
}
