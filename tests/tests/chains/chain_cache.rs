//! `cargo xtask chains` against a temporary cache, with anvil (an npm download of a few seconds):
//! a verified binary is not rebuilt, a damaged one is, leftovers of an interrupted build never
//! count as complete, and two runs at once leave one consistent manifest.

use std::path::Path;

use devnet_binaries::{Manifest, sha256_file};
use xtask::chains::{Outcome, build_in};

fn anvil(cache: &Path) -> Outcome {
    let mut report = build_in(cache, &["anvil".to_string()]).unwrap();
    assert_eq!(report.len(), 1);
    report.remove(0).1
}

fn entry(outcome: &Outcome) -> &devnet_binaries::Entry {
    match outcome {
        Outcome::Cached(e) | Outcome::Built(e) => e,
    }
}

#[test]
fn a_verified_binary_should_be_kept_and_a_damaged_one_rebuilt() {
    let cache = tempfile::tempdir().unwrap();
    let first = anvil(cache.path());
    assert!(matches!(first, Outcome::Built(_)), "{first:?}");
    let e = entry(&first).clone();
    assert!(
        e.path.starts_with(cache.path().join("anvil/1.7.1")),
        "{}",
        e.path.display()
    );
    assert_eq!(sha256_file(&e.path).unwrap(), e.sha256);
    assert!(e.verified.contains("1.7.1"), "{}", e.verified);
    assert_eq!(Manifest::load(cache.path()).unwrap().binaries, vec![e.clone()]);

    assert!(matches!(anvil(cache.path()), Outcome::Cached(_)));

    // A damaged binary no longer matches the manifest's sha256, so it is built again.
    std::fs::write(&e.path, b"not anvil").unwrap();
    let again = anvil(cache.path());
    assert!(matches!(again, Outcome::Built(_)), "{again:?}");
    assert_eq!(sha256_file(&e.path).unwrap(), entry(&again).sha256);
    assert_eq!(
        entry(&again).sha256,
        e.sha256,
        "the same pinned package gives the same binary"
    );
}

#[test]
fn leftovers_of_an_interrupted_build_should_never_count_as_complete() {
    let cache = tempfile::tempdir().unwrap();
    // What an interrupted run leaves: a staging folder, and a final folder the manifest never got.
    let staging = cache.path().join(".staging/anvil-1.7.1.4242/out");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(staging.join("anvil"), b"half").unwrap();
    let final_dir = cache.path().join("anvil/1.7.1");
    std::fs::create_dir_all(&final_dir).unwrap();
    std::fs::write(final_dir.join("anvil"), b"half").unwrap();

    let outcome = anvil(cache.path());
    assert!(matches!(outcome, Outcome::Built(_)), "{outcome:?}");
    assert_ne!(std::fs::read(final_dir.join("anvil")).unwrap(), b"half");
    assert!(
        !cache.path().join(".staging/anvil-1.7.1.4242").exists(),
        "stale staging left behind"
    );
}

#[test]
fn two_runs_at_once_should_leave_one_consistent_manifest() {
    let cache = tempfile::tempdir().unwrap();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| anvil(cache.path()));
        let b = s.spawn(|| anvil(cache.path()));
        (a.join().unwrap(), b.join().unwrap())
    });
    let built = [&a, &b].iter().filter(|o| matches!(o, Outcome::Built(_))).count();
    assert_eq!(
        built, 1,
        "the lock should make the second run find the first one's binary: {a:?} {b:?}"
    );
    let manifest = Manifest::load(cache.path()).unwrap();
    assert_eq!(manifest.binaries.len(), 1);
    assert_eq!(
        sha256_file(&manifest.binaries[0].path).unwrap(),
        manifest.binaries[0].sha256
    );
}
