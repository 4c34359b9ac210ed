//! `-o yaml` and `-o name` beside table and json, on a real devnet.

use devnet_e2e::daemon::Daemon;

#[test]
fn yaml_and_name_output_should_say_what_json_says() {
    let d = Daemon::start();
    let deployed = d.dvb_ok(&[
        "deploy",
        "--name",
        "eth",
        "--network",
        "evm",
        "--set",
        "client=anvil",
        "-o",
        "name",
    ]);
    assert_eq!(deployed.stdout, "eth\n");

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
    assert!(events.lines().any(|l| l == "eth/validator-0"), "{events}");

    // -o yaml: the very value -o json prints.
    for args in [vec!["list"], vec!["status", "eth"], vec!["nodes", "health", "eth"]] {
        let mut json_args = args.clone();
        json_args.extend(["-o", "json"]);
        let mut yaml_args = args.clone();
        yaml_args.extend(["-o", "yaml"]);
        let json = d.dvb_ok(&json_args).json();
        let yaml: serde_json::Value = serde_saphyr::from_str(&d.dvb_ok(&yaml_args).stdout).unwrap();
        // Heights and timestamps move between the two runs; the rest is the same.
        let steady = |mut v: serde_json::Value| {
            strip(&mut v);
            v
        };
        assert_eq!(steady(yaml), steady(json), "{args:?}");
    }

    // Commands that print text as it comes refuse another form before doing anything.
    let run = d.dvb(&["nodes", "logs", "eth/validator-0", "-o", "yaml"]);
    assert!(!run.ok && run.stderr.contains("drop -o yaml"), "{}", run.stderr);

    // A result without names: a warning, not a failure; one that changes something prints the
    // name of what it changed.
    let run = d.dvb_ok(&["daemon", "config", "-o", "name"]);
    assert!(run.stderr.contains("-o json or -o yaml"), "{}", run.stderr);
    assert_eq!(d.dvb_ok(&["destroy", "eth", "-o", "name"]).stdout, "eth\n");
}

/// Drops the fields that move on their own (heights, times, versions of records).
fn strip(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.retain(|k, _| {
                !k.contains("height") && !k.contains("unix_ms") && k != "resource_version" && k != "peers"
            });
            map.values_mut().for_each(strip);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}
