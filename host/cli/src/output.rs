//! `--output table|json|yaml|name`: tables for people; JSON or YAML (devnet-core's own serde
//! form) for scripts; `name`, one object name a line, for shell loops.

use std::time::{SystemTime, UNIX_EPOCH};

use clap::ValueEnum;
use devnet_core::{Devnet, Node};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Output {
    #[default]
    Table,
    Json,
    Yaml,
    /// The names of the objects printed, one a line (`hub`, `hub/validator-0`).
    Name,
}

/// Prints `value` as `o` says: pretty JSON, YAML, or the names in it.
pub fn structured<T: Serialize>(o: Output, value: &T) -> anyhow::Result<()> {
    match o {
        Output::Yaml => print!("{}", serde_saphyr::to_string(value)?),
        Output::Name => {
            for name in names(&serde_json::to_value(value)?) {
                println!("{name}");
            }
        }
        Output::Json | Output::Table => println!("{}", serde_json::to_string_pretty(value)?),
    }
    Ok(())
}

/// Refuses `-o json|yaml|name` for a command that prints text as it comes (a log, a watch):
/// said before anything is done.
pub fn text_only(o: Output, command: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        o == Output::Table,
        "{command} prints text as it comes, in one form only: drop -o {}",
        format!("{o:?}").to_lowercase()
    );
    Ok(())
}

/// The names in a printed value: each object's name (`meta.name`, else `name`, `node`, `devnet`,
/// `destroyed`, `plugin.name`, a transaction's name, an `id`), of a list's items (a row's first
/// cell) or of the value itself, with the items of its `nodes` or `kinds`. None found: a warning,
/// not a failure, since the command has done its work by now.
fn names(value: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let own = |v: &Value| -> Option<String> {
        if let Value::Array(cells) = v {
            return cells.first().and_then(text);
        }
        [
            "/meta/name",
            "/name",
            "/node",
            "/devnet/meta/name",
            "/devnet",
            "/destroyed",
            "/plugin/name",
            "/transaction/meta/name",
            "/id",
        ]
        .iter()
        .find_map(|p| v.pointer(p).and_then(text))
    };
    let mut found = Vec::new();
    match value {
        Value::Array(items) => found.extend(items.iter().filter_map(own)),
        v => {
            found.extend(own(v));
            for list in ["nodes", "kinds"] {
                if let Some(Value::Array(items)) = v.get(list) {
                    found.extend(items.iter().filter_map(own));
                }
            }
        }
    }
    if found.is_empty() && !value.as_array().is_some_and(Vec::is_empty) {
        eprintln!("warning: this result has no object names to print; -o json or -o yaml shows it");
    }
    found
}

/// Prints rows under a header, each column as wide as its widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let last = cells.len().saturating_sub(1);
        let text: Vec<String> = cells
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                if i == last {
                    c
                } else {
                    format!("{c:<w$}", w = widths[i])
                }
            })
            .collect();
        println!("{}", text.join("  ").trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    for row in rows {
        line(row.clone());
    }
}

pub fn enum_name<T: Serialize>(v: &T) -> String {
    devnet_api::convert::enum_name(v)
}

pub fn ago(unix_ms: u64) -> String {
    if unix_ms == 0 {
        return "-".into();
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let s = now.saturating_sub(unix_ms) / 1000;
    match s {
        0..=119 => format!("{s}s ago"),
        120..=7199 => format!("{}m ago", s / 60),
        _ => format!("{}h ago", s / 3600),
    }
}

pub fn short(node: &Node) -> &str {
    node.meta
        .name
        .split_once('/')
        .map_or(node.meta.name.as_str(), |(_, n)| n)
}

pub fn devnet_row(d: &Devnet) -> Vec<String> {
    vec![
        d.meta.name.clone(),
        d.spec.network.clone(),
        if d.status.detected_version.is_empty() {
            d.spec.version.clone()
        } else {
            d.status.detected_version.clone()
        },
        format!("{}+{}", d.spec.validators, d.spec.full_nodes),
        enum_name(&d.status.phase),
        d.status.height.to_string(),
        d.status.message.clone(),
    ]
}

pub const DEVNET_HEADER: [&str; 7] = ["NAME", "NETWORK", "VERSION", "NODES", "PHASE", "HEIGHT", "MESSAGE"];

pub fn node_row(n: &Node) -> Vec<String> {
    let ports: Vec<String> = n.spec.ports.iter().map(|p| format!("{}={}", p.name, p.port)).collect();
    vec![
        short(n).to_string(),
        enum_name(&n.spec.role),
        enum_name(&n.status.phase),
        // The process, or the container (its short id, as `docker ps` shows it).
        match (&n.status.pid, &n.status.container) {
            (Some(pid), _) => pid.to_string(),
            (None, Some(id)) => id.chars().take(12).collect(),
            (None, None) => "-".into(),
        },
        n.status.height.to_string(),
        n.status.peers.to_string(),
        n.status.restarts.to_string(),
        ports.join(","),
    ]
}

pub const NODE_HEADER: [&str; 8] = [
    "NODE",
    "ROLE",
    "PHASE",
    "PID/CONTAINER",
    "HEIGHT",
    "PEERS",
    "RESTARTS",
    "PORTS",
];
