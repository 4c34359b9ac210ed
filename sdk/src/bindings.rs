//! The glue wit-bindgen generates from `wit/v0.7.0`: the one module of the SDK with unsafe code
//! (the canonical ABI's exports and allocations). Plugin authors use the types the crate root
//! re-exports, never this module.

#![allow(unsafe_code, missing_docs)]

wit_bindgen::generate!({
    path: "../wit/v0.7.0",
    world: "plugin",
    pub_export_macro: true,
    export_macro_name: "__export_plugin_world",
    default_bindings_module: "::devnet_plugin_sdk::bindings",
    runtime_path: "::devnet_plugin_sdk::wit_bindgen::rt",
    additional_derives: [PartialEq, Clone],
});
