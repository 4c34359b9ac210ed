//! What the store needs to know of a resource type.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Meta;

/// The kinds of resource; each has its own table in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    Devnet,
    Node,
    Upgrade,
    Transaction,
    Export,
    Plugin,
    Stack,
    Token,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Devnet,
        Kind::Node,
        Kind::Upgrade,
        Kind::Transaction,
        Kind::Export,
        Kind::Plugin,
        Kind::Stack,
        Kind::Token,
    ];

    /// Lowercase, as in table names, CLI output and events.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Devnet => "devnet",
            Kind::Node => "node",
            Kind::Upgrade => "upgrade",
            Kind::Transaction => "transaction",
            Kind::Export => "export",
            Kind::Plugin => "plugin",
            Kind::Stack => "stack",
            Kind::Token => "token",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resource type: a [`Meta`], a spec and a status, serialisable as a whole.
pub trait Resource: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    const KIND: Kind;
    type Spec: Serialize + PartialEq;
    fn meta(&self) -> &Meta;
    fn meta_mut(&mut self) -> &mut Meta;
    fn spec(&self) -> &Self::Spec;
}

/// Implements [`Resource`] for a struct with `meta`, `spec` and `status` fields.
macro_rules! resource {
    ($ty:ident, $spec:ident, $kind:ident) => {
        impl $crate::Resource for $ty {
            const KIND: $crate::Kind = $crate::Kind::$kind;
            type Spec = $spec;
            fn meta(&self) -> &$crate::Meta {
                &self.meta
            }
            fn meta_mut(&mut self) -> &mut $crate::Meta {
                &mut self.meta
            }
            fn spec(&self) -> &$spec {
                &self.spec
            }
        }
    };
}
pub(crate) use resource;
