//! A plugin as a chain team built it against `devnet:plugin@0.1.0`, before 0.2.0 added the
//! `chain` interface: wit-bindgen on the frozen WIT folder, no SDK. Each export answers from its
//! input, so a test can tell that arguments and results crossed the version boundary whole.

// The generated glue and the custom section are the unsafe code here.
#![allow(unsafe_code)]

wit_bindgen::generate!({
    path: "../../../wit/v0.1.0",
    world: "plugin",
});

const NAME: &str = "api-v0-1";
const VERSION: &str = "0.1.0";

include!("fixture.rs");

export!(Fixture);

// What the SDK's export macro writes, by hand: the host reads it before instantiating.
#[unsafe(link_section = "devnet-plugin-api")]
#[used]
static API_VERSION: [u8; 5] = *b"0.1.0";
