//! A plugin built against `devnet:plugin@0.2.0`, before 0.3.0 added the `operate` interface:
//! the 0.1.0 fixture's exports (the same source, on the frozen 0.2.0 WIT folder) plus `chain`,
//! whose answers are made from the input so a test can see them cross the version boundary.

// The generated glue and the custom section are the unsafe code here.
#![allow(unsafe_code)]

wit_bindgen::generate!({
    path: "../../../wit/v0.2.0",
    world: "plugin",
});

const NAME: &str = "api-v0-2";
const VERSION: &str = "0.2.0";

include!("../../api-v0-1/src/fixture.rs");

include!("chain.rs");

export!(Fixture);

// What the SDK's export macro writes, by hand: the host reads it before instantiating.
#[unsafe(link_section = "devnet-plugin-api")]
#[used]
static API_VERSION: [u8; 5] = *b"0.2.0";
