//! Recording transactions for the Tx controller: checked first (the devnet, its plugin's
//! `chain` interface, the signing key, the request's shape), then written in one store write,
//! all of a batch or none.

use devnet_core::{Devnet, Event, EventKind, Kind, Meta, Transaction, TxSpec};

use crate::DaemonError;
use crate::context::DaemonContext;

/// Checks what can be checked before a transaction is recorded: its devnet, the signing key, the
/// request's shape.
fn check_tx(ctx: &DaemonContext, spec: &TxSpec) -> Result<(), DaemonError> {
    let bad = DaemonError::InvalidArgument;
    let devnet = ctx
        .store
        .get::<Devnet>(&spec.devnet)?
        .ok_or_else(|| DaemonError::NotFound(format!("no devnet {:?}; `dvb list` shows them", spec.devnet)))?;
    match (&spec.request, &spec.raw) {
        (Some(request), None) => {
            if request.kind.is_empty() || !request.fields.is_object() {
                return Err(bad(format!(
                    "the request needs a kind and its fields as a JSON object; `dvb tx kinds {}` lists the kinds and their fields",
                    devnet.meta.name
                )));
            }
            let keyring = devnet_keyring::Keyring::open(&ctx.home.keyring(&devnet.meta.name))
                .map_err(|e| DaemonError::Internal(format!("the keyring of devnet {}: {e}", devnet.meta.name)))?;
            if !keyring.contains(&spec.from) {
                let ids: Vec<&str> = keyring.ids().filter(|id| !id.contains('.')).collect();
                return Err(bad(format!(
                    "devnet {} has no key {:?} to sign with; use one of: {}",
                    devnet.meta.name,
                    spec.from,
                    ids.join(", ")
                )));
            }
        }
        (None, Some(raw)) if !raw.is_empty() => {}
        _ => {
            return Err(bad(
                "give a typed request or raw signed bytes, not both and not neither".into(),
            ));
        }
    }
    Ok(())
}

/// Refuses transactions for a devnet whose plugin has no `chain` interface (API 0.1.0): every
/// transaction is broadcast and followed through it, so none could ever be sent. Said at once,
/// before anything is recorded.
pub async fn check_chain_interface(ctx: &DaemonContext, devnet: &str) -> Result<(), DaemonError> {
    let Some(d) = ctx.store.get::<Devnet>(devnet)? else {
        return Ok(()); // check_tx names the missing devnet.
    };
    let (plugin, _) = ctx.plugins.load(&d.spec.network).await?;
    if plugin.api_version.has_chain() {
        return Ok(());
    }
    Err(DaemonError::FailedPrecondition(format!(
        "devnet {devnet} runs on {}, built against devnet:plugin@{}, which has no `chain` interface: it cannot \
         send transactions; rebuild the plugin on the current devnet-plugin-sdk",
        plugin.id, plugin.api_version
    )))
}

/// Records a transaction for the Tx controller, named `<devnet>/tx-<n>`.
pub fn record_tx(ctx: &DaemonContext, spec: TxSpec) -> Result<Transaction, DaemonError> {
    let mut recorded = record_txs(ctx, vec![spec])?;
    recorded
        .pop()
        .ok_or_else(|| DaemonError::Internal("a recorded transaction went missing".into()))
}

/// Records transactions together, after checking every one: all of them, or none.
pub fn record_txs(ctx: &DaemonContext, specs: Vec<TxSpec>) -> Result<Vec<Transaction>, DaemonError> {
    record_txs_with(ctx, specs, |_, _| Ok(()))
}

/// [`record_txs`], and `also` in the same store write, given the recorded transactions: the
/// record that refers to them is written with them, or neither is.
pub fn record_txs_with(
    ctx: &DaemonContext,
    specs: Vec<TxSpec>,
    also: impl FnOnce(&mut devnet_store::WriteTx<'_>, &[Transaction]) -> Result<(), devnet_store::StoreError>,
) -> Result<Vec<Transaction>, DaemonError> {
    for (i, spec) in specs.iter().enumerate() {
        check_tx(ctx, spec).map_err(|e| match e {
            DaemonError::InvalidArgument(m) if specs.len() > 1 => {
                DaemonError::InvalidArgument(format!("transaction {} of the batch: {m}", i + 1))
            }
            other => other,
        })?;
    }
    let recorded = ctx.store.write(|w| {
        let mut out = Vec::new();
        for spec in &specs {
            let mut n = ctx.next_tx_number(&spec.devnet)?;
            // Another writer (a standalone dvb on the same home earlier) may hold the number.
            while w.get::<Transaction>(&format!("{}/tx-{n}", spec.devnet))?.is_some() {
                n = ctx.next_tx_number(&spec.devnet)?;
            }
            let name = format!("{}/tx-{n}", spec.devnet);
            let tx = w.create(Transaction {
                meta: Meta::named(&name),
                spec: spec.clone(),
                status: Default::default(),
            })?;
            w.event(Event::new(
                EventKind::Normal,
                Kind::Transaction,
                &name,
                "Submitted",
                &spec.from,
            ))?;
            out.push(tx);
        }
        also(w, &out)?;
        Ok(out)
    })?;
    for tx in &recorded {
        ctx.metrics.tx_submitted(&tx.spec.devnet);
    }
    Ok(recorded)
}
