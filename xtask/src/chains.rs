//! `cargo xtask chains`: bring the cache up to the pinned recipes.
//!
//! A binary is built in a staging folder, verified there, and only then renamed into
//! `<cache>/<name>/<version>/`, so an interrupted build never leaves something that looks
//! complete. One run at a time holds the cache lock; a second waits for it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use devnet_binaries::{Entry, Manifest, cache_dir, sha256_file};

use crate::recipes::{self, Recipe};

pub fn list() -> anyhow::Result<()> {
    let cache = cache_dir();
    let manifest = Manifest::load(&cache)?;
    println!("cache: {}", cache.display());
    for r in recipes::all() {
        let state = match manifest
            .binaries
            .iter()
            .find(|e| e.name == r.name && e.version == r.version)
        {
            Some(e) => format!("built: {}", e.path.display()),
            None => "not built".to_string(),
        };
        println!("  {:<28} {state}", r.id());
    }
    Ok(())
}

pub fn build_all(only: &[String]) -> anyhow::Result<()> {
    build_in(&cache_dir(), only).map(|_| ())
}

/// Brings the cache at `cache` up to the selected recipes; says for each what it did.
pub fn build_in(cache: &Path, only: &[String]) -> anyhow::Result<Vec<(String, Outcome)>> {
    let cache = cache.to_path_buf();
    fs::create_dir_all(&cache).with_context(|| format!("creating the chain cache {}", cache.display()))?;
    let lock = fs::File::create(cache.join(".lock"))?;
    if lock.try_lock().is_err() {
        println!(
            "another `cargo xtask chains` holds {}; waiting for it",
            cache.join(".lock").display()
        );
        lock.lock()?;
    }

    let selected: Vec<Recipe> = recipes::all().into_iter().filter(|r| wanted(r, only)).collect();
    if selected.is_empty() {
        let known: Vec<String> = recipes::all().iter().map(Recipe::id).collect();
        bail!(
            "--only {} matches no pinned binary; pinned: {}",
            only.join(","),
            known.join(", ")
        );
    }

    let mut failures = Vec::new();
    let mut report = Vec::new();
    for recipe in &selected {
        let started = Instant::now();
        // The manifest is read again for each binary and saved right after it, so what was
        // finished survives a failure or an interruption of a later build.
        let mut manifest = Manifest::load(&cache)?;
        match ensure(recipe, &cache, &mut manifest) {
            Ok(Outcome::Cached(entry)) => {
                println!("{:<24} ok, cached at {}", recipe.id(), entry.path.display());
                report.push((recipe.id(), Outcome::Cached(entry)));
            }
            Ok(Outcome::Built(entry)) => {
                manifest.upsert(entry.clone());
                manifest.save(&cache)?;
                println!(
                    "{:<24} built in {:.0}s: {} ({})",
                    recipe.id(),
                    started.elapsed().as_secs_f64(),
                    entry.path.display(),
                    entry.verified
                );
                report.push((recipe.id(), Outcome::Built(entry)));
            }
            Err(e) => {
                eprintln!("{:<24} FAILED: {e:#}", recipe.id());
                failures.push(recipe.id());
            }
        }
    }
    if !failures.is_empty() {
        bail!(
            "could not build {}; the rest of the cache is intact",
            failures.join(", ")
        );
    }
    println!("manifest: {}", cache.join(devnet_binaries::MANIFEST_FILE).display());
    Ok(report)
}

fn wanted(r: &Recipe, only: &[String]) -> bool {
    only.is_empty() || only.iter().any(|o| *o == r.name || *o == r.id())
}

/// What `build_in` did for one binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Present and matching the manifest's sha256: not rebuilt.
    Cached(Entry),
    /// Built, verified and renamed into place.
    Built(Entry),
}

fn ensure(recipe: &Recipe, cache: &Path, manifest: &mut Manifest) -> anyhow::Result<Outcome> {
    let final_dir = cache.join(recipe.name).join(recipe.version);
    let final_exe = final_dir.join(recipe.exe);
    if let Some(entry) = manifest
        .binaries
        .iter()
        .find(|e| e.name == recipe.name && e.version == recipe.version)
        && entry.path == final_exe
        && sha256_file(&final_exe).is_ok_and(|sum| sum == entry.sha256)
        && recipe
            .source_stamp()?
            .is_none_or(|stamp| entry.built_by.contains(&stamp))
    {
        return Ok(Outcome::Cached(entry.clone()));
    }

    let staging_root = cache.join(".staging");
    let staging = staging_root.join(format!("{}-{}.{}", recipe.name, recipe.version, std::process::id()));
    let out = staging.join("out");
    let work = staging.join("work");
    // Leftovers of interrupted runs: this run holds the lock, so no one else is using them.
    if staging_root.exists() {
        for old in fs::read_dir(&staging_root)?.filter_map(Result::ok) {
            if old
                .file_name()
                .to_string_lossy()
                .starts_with(&format!("{}-{}.", recipe.name, recipe.version))
            {
                fs::remove_dir_all(old.path()).ok();
            }
        }
    }
    fs::create_dir_all(&out)?;
    fs::create_dir_all(&work)?;
    let logs = cache.join(".logs");
    fs::create_dir_all(&logs)?;
    let log = logs.join(format!("{}-{}.log", recipe.name, recipe.version));
    fs::write(&log, "")?;

    println!("{:<24} building (log: {})", recipe.id(), log.display());
    let built_by = recipe.build(&out, &work, &log, cache)?;
    let verified = verify(recipe, &out.join(recipe.exe))?;

    if final_dir.exists() {
        // Present but not matching the manifest: a damaged or foreign copy.
        fs::remove_dir_all(&final_dir).with_context(|| format!("removing {}", final_dir.display()))?;
    }
    fs::create_dir_all(final_dir.parent().context("cache path has no parent")?)?;
    fs::rename(&out, &final_dir).with_context(|| format!("moving the build into {}", final_dir.display()))?;
    fs::remove_dir_all(&staging).ok();

    Ok(Outcome::Built(Entry {
        name: recipe.name.to_string(),
        version: recipe.version.to_string(),
        sha256: sha256_file(&final_exe)?,
        path: absolute(&final_exe)?,
        built_by,
        verified,
    }))
}

fn verify(recipe: &Recipe, exe: &Path) -> anyhow::Result<String> {
    if recipe.verify_args.is_empty() {
        // A data file: its contents are what is checked.
        let text = fs::read_to_string(exe).with_context(|| format!("reading {}", exe.display()))?;
        return (recipe.verify)(recipe, &text);
    }
    let output = Command::new(exe)
        .args(recipe.verify_args)
        .output()
        .with_context(|| format!("running the freshly built {}", exe.display()))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if !output.status.success() {
        bail!(
            "{} {} exited with {}: {}",
            exe.display(),
            recipe.verify_args.join(" "),
            output.status,
            text.trim()
        );
    }
    (recipe.verify)(recipe, &text)
}

fn absolute(p: &Path) -> anyhow::Result<PathBuf> {
    Ok(if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()?.join(p)
    })
}
