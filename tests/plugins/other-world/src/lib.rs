//! A component of another world: it greets, and is no devnet plugin, yet its custom section
//! claims `devnet:plugin@0.3.0`. The host must refuse it for the world it does not fit.

// The generated glue and the custom section are the unsafe code here.
#![allow(unsafe_code)]

wit_bindgen::generate!({
    path: "wit",
    world: "greeter",
});

struct Greeter;

impl Guest for Greeter {
    fn greet(name: String) -> String {
        format!("hello, {name}")
    }
}

export!(Greeter);

#[unsafe(link_section = "devnet-plugin-api")]
#[used]
static API_VERSION: [u8; 5] = *b"0.3.0";
