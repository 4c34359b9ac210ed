//! Truncated and bit-flipped files (issue 18 item 2): devnetd.toml, plugin components and stack
//! files, each cut or flipped at seeded points. Each mutant is refused with an error that names
//! the file, or taken as the valid file it still is; never a panic, and a refusal changes
//! nothing (the plugins, the devnets and the daemon's serving stay as they were).

use std::path::Path;

use devnet_e2e::daemon::{Daemon, Run};
use devnet_test_fixtures::component;

/// The seed; a failure names the mutant's number, so it replays.
const SEED: u64 = 18;

/// xorshift64*: a small seeded generator, the same on every machine.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1) as u64) as usize
    }
}

/// Mutant `i` of `bytes`: even ones cut short, odd ones with one bit flipped.
fn mangle(bytes: &[u8], rng: &mut Rng, i: usize) -> (Vec<u8>, String) {
    if i.is_multiple_of(2) {
        let at = rng.below(bytes.len());
        (bytes[..at].to_vec(), format!("cut at byte {at} of {}", bytes.len()))
    } else {
        let (at, bit) = (rng.below(bytes.len()), rng.below(8));
        let mut b = bytes.to_vec();
        b[at] ^= 1 << bit;
        (b, format!("bit {bit} of byte {at} flipped"))
    }
}

/// Refused naming `file`, or taken; never a panic.
#[track_caller]
fn judged(run: &Run, file: &Path, what: &str) -> bool {
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains("panicked"), "{what}: a panic:\n{text}");
    }
    if !run.ok {
        let name = file.file_name().unwrap().to_string_lossy();
        assert!(
            run.stderr.contains(&*name),
            "{what}: refused without naming {name}:\n{}",
            run.stderr
        );
    }
    run.ok
}

#[test]
fn a_mangled_devnetd_toml_should_be_refused_naming_it_or_read_as_it_is() {
    let valid = "restart_limit = 3\nstuck_after_secs = 9\nport_range = [21000, 22000]\nplugin_path = [\"/opt/p\"]\n\
                 log_keep = 2\n\n[[docker.hosts]]\nname = \"a\"\nurl = \"tcp://10.0.0.2:2376\"\ncert = \"tls/c.pem\"\n\
                 key = \"tls/k.pem\"\nca = \"tls/ca.pem\"\n";
    let mut rng = Rng(SEED);
    let mut refused = 0;
    for i in 0..40 {
        let d = Daemon::home_only();
        let (bytes, how) = mangle(valid.as_bytes(), &mut rng, i);
        let file = d.path().join("devnetd.toml");
        std::fs::write(&file, &bytes).unwrap();
        // The daemon's own loader, standalone: what devnetd reads at its start.
        let run = d.dvb(&["daemon", "config"]);
        if !judged(&run, &file, &format!("devnetd.toml mutant {i} ({how})")) {
            refused += 1;
        }
    }
    // Most cuts and flips break a TOML file: the test saw refusals, not only survivors.
    assert!(refused >= 10, "only {refused} of 40 mutants refused");
}

#[test]
fn mangled_plugin_components_and_stack_files_should_be_refused_naming_them_and_change_nothing() {
    let d = Daemon::start();
    let work = tempfile::tempdir().unwrap();
    let plugins = || d.dvb_ok(&["plugin", "list", "-o", "json"]).json();
    let before = plugins();
    let mut rng = Rng(SEED);

    // Components: each with a checksum of its own bytes, so what is judged is the component.
    let valid = std::fs::read(component("api-v0-2")).unwrap();
    let mut taken = 0;
    for i in 0..12 {
        let (bytes, how) = mangle(&valid, &mut rng, i);
        let name = format!("mutant-{i}.wasm");
        let file = work.path().join(&name);
        std::fs::write(&file, &bytes).unwrap();
        let sha = {
            use sha2::Digest as _;
            hex::encode(sha2::Sha256::digest(&bytes))
        };
        std::fs::write(work.path().join(format!("{name}.sha256")), format!("{sha}  {name}\n")).unwrap();
        let run = d.dvb(&["plugin", "install", file.to_str().unwrap(), "-o", "json"]);
        if judged(&run, &file, &format!("component mutant {i} ({how})")) {
            // A flip in a part nothing reads: a working plugin, removed again.
            taken += 1;
            let name = run.json()["plugin"]["name"].as_str().unwrap_or_default().to_string();
            d.dvb_ok(&["plugin", "remove", &name]);
        } else {
            assert_eq!(
                plugins(),
                before,
                "component mutant {i} ({how}) refused, but the plugins changed"
            );
        }
    }
    assert!(taken < 12, "every mangled component was taken");

    // Stack files: `dvb diff` reads and checks one whole, and changes nothing either way.
    let stack = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/four-families.toml")).unwrap();
    let mut refused = 0;
    for i in 0..30 {
        let (bytes, how) = mangle(&stack, &mut rng, i);
        let file = work.path().join(format!("stack-{i}.toml"));
        std::fs::write(&file, &bytes).unwrap();
        if !judged(
            &d.dvb(&["diff", "-f", file.to_str().unwrap()]),
            &file,
            &format!("stack mutant {i} ({how})"),
        ) {
            refused += 1;
        }
    }
    assert!(refused >= 5, "only {refused} of 30 stack mutants refused");
    assert_eq!(d.dvb_ok(&["list", "-o", "json"]).json(), serde_json::json!([]));
    assert_eq!(plugins(), before);
    assert!(
        !d.daemon_log().contains("panicked"),
        "a panic in devnetd's log:\n{}",
        devnet_e2e::daemon::tail(&d.daemon_log(), 20)
    );
}
