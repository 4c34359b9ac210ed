//! Conversions between the types every API version shares and their counterparts in the newest
//! one, written out field by field and case by case: a field or case that a new version changes
//! makes this file fail to compile until the conversion says what it becomes. What 0.4.0 changed
//! (transaction kinds, rejections, governance) is converted in [`crate::legacy`]. 0.5.0 shares
//! 0.4.0's `types`; its other interfaces' types are 0.4.0's in shape, converted here both ways.

/// `self` as the same-shaped type `T` of another API version.
pub(crate) trait Bridge<T> {
    fn bridge(self) -> T;
}

macro_rules! identity {
    ($($t:ty),*) => {
        $(impl Bridge<$t> for $t {
            fn bridge(self) -> $t {
                self
            }
        })*
    };
}

identity!(String, bool, u8, u16, u32, u64, i32, wasmtime::component::ResourceAny);

impl<A: Bridge<B>, B> Bridge<Vec<B>> for Vec<A> {
    fn bridge(self) -> Vec<B> {
        self.into_iter().map(Bridge::bridge).collect()
    }
}

impl<A: Bridge<B>, B> Bridge<Option<B>> for Option<A> {
    fn bridge(self) -> Option<B> {
        self.map(Bridge::bridge)
    }
}

impl<A: Bridge<C>, B: Bridge<D>, C, D> Bridge<(C, D)> for (A, B) {
    fn bridge(self) -> (C, D) {
        (self.0.bridge(), self.1.bridge())
    }
}

impl<A: Bridge<C>, B: Bridge<D>, C, D> Bridge<Result<C, D>> for Result<A, B> {
    fn bridge(self) -> Result<C, D> {
        self.map(Bridge::bridge).map_err(Bridge::bridge)
    }
}

impl Bridge<()> for () {
    fn bridge(self) {}
}

/// A record: every field named, so one added or removed on either side fails to compile.
macro_rules! record {
    ($a:ident, $b:ident, $($seg:ident)::+ { $($f:ident),* $(,)? }) => {
        impl Bridge<$b::$($seg)::+> for $a::$($seg)::+ {
            fn bridge(self) -> $b::$($seg)::+ {
                use $a::$($seg)::+ as A;
                use $b::$($seg)::+ as B;
                let A { $($f),* } = self;
                B { $($f: $f.bridge()),* }
            }
        }
    };
}

/// An enum: every case named, matched exhaustively.
macro_rules! cases {
    ($a:ident, $b:ident, $($seg:ident)::+ { $($c:ident),* $(,)? }) => {
        impl Bridge<$b::$($seg)::+> for $a::$($seg)::+ {
            fn bridge(self) -> $b::$($seg)::+ {
                use $a::$($seg)::+ as A;
                use $b::$($seg)::+ as B;
                match self {
                    $(A::$c => B::$c),*
                }
            }
        }
    };
}

/// A variant whose every case carries one value.
macro_rules! payloads {
    ($a:ident, $b:ident, $($seg:ident)::+ { $($c:ident),* $(,)? }) => {
        impl Bridge<$b::$($seg)::+> for $a::$($seg)::+ {
            fn bridge(self) -> $b::$($seg)::+ {
                use $a::$($seg)::+ as A;
                use $b::$($seg)::+ as B;
                match self {
                    $(A::$c(v) => B::$c(v.bridge())),*
                }
            }
        }
    };
}

/// The `types` interface of 0.1.0–0.3.0 (one set of Rust types, see [`crate::bindings`]) that
/// 0.4.0 kept, from `$a`'s to `$b`'s.
macro_rules! shared_types {
    ($a:ident, $b:ident) => {
        record!($a, $b, devnet::plugin::types::VersionRange { since, until });
        cases!(
            $a,
            $b,
            devnet::plugin::types::Capability {
                Log,
                RunBinary,
                Files,
                Http
            }
        );
        payloads!(
            $a,
            $b,
            devnet::plugin::types::PluginError {
                InvalidInput,
                Unsupported,
                Denied,
                Chain,
                Internal
            }
        );
        record!($a, $b, devnet::plugin::types::Coin { denom, amount });
        record!($a, $b, devnet::plugin::types::AccountSpec { name, balances });
        record!($a, $b, devnet::plugin::types::Override { key, value });
        record!(
            $a,
            $b,
            devnet::plugin::types::DevnetSpec {
                name,
                chain_id,
                chain_version,
                validators,
                full_nodes,
                accounts,
                overrides
            }
        );
        cases!($a, $b, devnet::plugin::types::NodeRole { Validator, FullNode });
        record!($a, $b, devnet::plugin::types::NamedPort { name, port });
        record!(
            $a,
            $b,
            devnet::plugin::types::NodeSlot {
                index,
                role,
                name,
                home,
                ports
            }
        );
        cases!($a, $b, devnet::plugin::types::KeyAlgorithm { Secp256k1, Ed25519 });
        record!($a, $b, devnet::plugin::types::KeyRequest { id, algorithm });
        record!($a, $b, devnet::plugin::types::PublicKey { id, algorithm, bytes });
        cases!(
            $a,
            $b,
            devnet::plugin::types::Digest {
                Sha256,
                Keccak256,
                None
            }
        );
        cases!(
            $a,
            $b,
            devnet::plugin::types::SignatureFormat {
                Secp256k1Compact,
                Secp256k1Recoverable,
                Ed25519
            }
        );
        record!(
            $a,
            $b,
            devnet::plugin::types::SignRequest {
                id,
                key_id,
                payload,
                digest,
                format
            }
        );
        record!($a, $b, devnet::plugin::types::Signature { id, bytes });
        record!(
            $a,
            $b,
            devnet::plugin::types::File {
                path,
                contents,
                with_secrets
            }
        );
        record!($a, $b, devnet::plugin::types::Command { args, env });
    };
}

/// The other interfaces' types of 0.1.0 that every later version has unchanged.
macro_rules! shared {
    ($a:ident, $b:ident) => {
        cases!(
            $a,
            $b,
            devnet::plugin::host::LogLevel {
                Trace,
                Debug,
                Info,
                Warn,
                Error
            }
        );
        record!(
            $a,
            $b,
            devnet::plugin::host::RunOutput {
                status,
                stdout,
                stderr
            }
        );
        record!($a, $b, devnet::plugin::host::HttpResponse { status, body });
        payloads!(
            $a,
            $b,
            exports::devnet::plugin::genesis::GenesisStep { Sign, Done }
        );
        record!(
            $a,
            $b,
            exports::devnet::plugin::node::NodeStatus {
                height,
                catching_up,
                peers
            }
        );
        record!($a, $b, exports::devnet::plugin::node::HaltInfo { name, height });
        record!($a, $b, exports::devnet::plugin::tx::UnsignedTx { sign, body });
    };
}

/// The `chain` types of 0.2.0 that 0.4.0 kept.
macro_rules! shared_chain {
    ($a:ident, $b:ident) => {
        record!(
            $a,
            $b,
            exports::devnet::plugin::chain::TxOutcome {
                height,
                code,
                log,
                attributes
            }
        );
    };
}

mod v0_1 {
    use super::Bridge;
    use crate::bindings::{v0_1_0 as old, v0_4_0 as new};
    shared!(old, new);
    shared!(new, old);
}

mod v0_2 {
    use super::Bridge;
    use crate::bindings::{v0_2_0 as old, v0_4_0 as new};
    shared!(old, new);
    shared!(new, old);
    shared_chain!(old, new);
    shared_chain!(new, old);
}

mod v0_3 {
    use super::Bridge;
    use crate::bindings::{v0_3_0 as old, v0_4_0 as new};
    shared_types!(old, new);
    shared_types!(new, old);
    shared!(old, new);
    shared!(new, old);
    shared_chain!(old, new);
    shared_chain!(new, old);
}

/// 0.4.0's `types`, which 0.5.0 binds as its own: the same Rust types, passed as they are.
mod shared_by_v0_5 {
    use super::Bridge;
    use crate::bindings::v0_4_0::devnet::plugin::types as t;
    identity!(
        t::PluginError,
        t::SignRequest,
        t::File,
        t::Command,
        t::KeyRequest,
        t::TxKind,
        t::Coin,
        t::PluginInfo,
        t::AccountSpec,
        t::Override
    );
}

/// The types of 0.4.0's interfaces other than `types`, which 0.5.0 has unchanged.
macro_rules! shared_v0_4 {
    ($a:ident, $b:ident) => {
        record!(
            $a,
            $b,
            exports::devnet::plugin::chain::AccountState { sequence, data }
        );
        cases!(
            $a,
            $b,
            exports::devnet::plugin::chain::RejectionKind {
                WrongSequence,
                InsufficientFunds,
                OutOfGas,
                Other
            }
        );
        record!(
            $a,
            $b,
            exports::devnet::plugin::chain::Rejection { kind, code, log }
        );
        payloads!(
            $a,
            $b,
            exports::devnet::plugin::chain::BroadcastResult { Accepted, Rejected }
        );
        record!($a, $b, exports::devnet::plugin::tx::TxRequest { kind, json });
        record!(
            $a,
            $b,
            exports::devnet::plugin::tx::Signer {
                address,
                public_key,
                sequence,
                account
            }
        );
        record!(
            $a,
            $b,
            exports::devnet::plugin::tx::TxOptions {
                ordered,
                now_unix_secs
            }
        );
        record!(
            $a,
            $b,
            exports::devnet::plugin::governance::UpgradePlan {
                name,
                to_version,
                deposit
            }
        );
        cases!(
            $a,
            $b,
            exports::devnet::plugin::governance::VoteChoice {
                Yes,
                No,
                Abstain,
                Veto
            }
        );
        cases!(
            $a,
            $b,
            exports::devnet::plugin::governance::ProposalPhase {
                Deposit,
                Voting,
                Passed,
                Rejected,
                Failed
            }
        );
        record!(
            $a,
            $b,
            exports::devnet::plugin::governance::ProposalState { id, phase, detail }
        );
    };
}

mod v0_5 {
    use super::Bridge;
    use crate::bindings::{v0_4_0 as old, v0_5_0 as new};
    shared!(old, new);
    shared!(new, old);
    shared_chain!(old, new);
    shared_chain!(new, old);
    shared_v0_4!(old, new);
    shared_v0_4!(new, old);
}

/// 0.5.0's `plan`, which 0.6.0 has unchanged.
macro_rules! shared_v0_5 {
    ($a:ident, $b:ident) => {
        record!(
            $a,
            $b,
            exports::devnet::plugin::plan::DevnetRequest {
                name,
                chain_id,
                binary,
                chain_version,
                validators,
                full_nodes,
                accounts,
                overrides,
                now_unix_secs
            }
        );
        record!(
            $a,
            $b,
            exports::devnet::plugin::plan::DevnetPlan {
                chain_id,
                binary,
                chain_version,
                overrides
            }
        );
        record!($a, $b, exports::devnet::plugin::plan::StartGate { after, height });
    };
}

mod v0_6 {
    use super::Bridge;
    use crate::bindings::{v0_4_0 as old, v0_5_0 as plan, v0_6_0 as new};
    shared!(old, new);
    shared!(new, old);
    shared_chain!(old, new);
    shared_chain!(new, old);
    shared_v0_4!(old, new);
    shared_v0_4!(new, old);
    shared_v0_5!(plan, new);
    shared_v0_5!(new, plan);
}

/// 0.6.0's `threshold`, which 0.7.0 has unchanged.
macro_rules! shared_v0_6 {
    ($a:ident, $b:ident) => {
        cases!(
            $a,
            $b,
            exports::devnet::plugin::threshold::ThresholdScheme { Bls12381MinSig }
        );
        record!(
            $a,
            $b,
            exports::devnet::plugin::threshold::GroupRequest { id, scheme, members }
        );
    };
}

mod v0_7 {
    use super::Bridge;
    use crate::bindings::{v0_4_0 as old, v0_5_0 as plan, v0_6_0 as threshold, v0_7_0 as new};
    shared!(old, new);
    shared!(new, old);
    shared_chain!(old, new);
    shared_chain!(new, old);
    shared_v0_4!(old, new);
    shared_v0_4!(new, old);
    shared_v0_5!(plan, new);
    shared_v0_5!(new, plan);
    shared_v0_6!(threshold, new);
    shared_v0_6!(new, threshold);
}

#[cfg(test)]
mod tests {
    use super::Bridge;
    use crate::bindings::{v0_1_0 as old, v0_4_0 as new};

    #[test]
    fn a_value_should_cross_to_an_older_version_and_back_whole() {
        let step = new::GenesisStep::Sign(vec![new::SignRequest {
            id: "gentx-0".into(),
            key_id: "validator-0".into(),
            payload: vec![1, 2, 3],
            digest: new::Digest::None,
            format: new::SignatureFormat::Secp256k1Compact,
        }]);
        let older: old::exports::devnet::plugin::genesis::GenesisStep = step.clone().bridge();
        let back: new::GenesisStep = older.bridge();
        assert_eq!(format!("{back:?}"), format!("{step:?}"));
        // 0.1.0's `types` are 0.3.0's: the same Rust type, converted once.
        let error: Result<u64, crate::bindings::v0_3_0::devnet::plugin::types::PluginError> =
            Err(old::devnet::plugin::types::PluginError::Chain("boom".into()));
        let newer: Result<u64, new::PluginError> = error.bridge();
        assert!(matches!(newer, Err(new::PluginError::Chain(m)) if m == "boom"));
    }
}
