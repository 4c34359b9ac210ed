//! A plugin built against `devnet:plugin@0.3.0`, the last API before 0.4.0 made transaction
//! kinds the plugin's own and moved governance to its own interface: the 0.2.0 fixture's
//! exports (the same source, on the frozen 0.3.0 WIT folder) plus `operate`, whose commands are
//! made from the input. A plugin a chain team shipped on 0.3.0 must keep working unchanged.

// The generated glue and the custom section are the unsafe code here.
#![allow(unsafe_code)]

wit_bindgen::generate!({
    path: "../../../wit/v0.3.0",
    world: "plugin",
});

const NAME: &str = "api-v0-3";
const VERSION: &str = "0.3.0";

include!("../../api-v0-1/src/fixture.rs");
include!("../../api-v0-2/src/chain.rs");

impl exports::devnet::plugin::operate::Guest for Fixture {
    fn halting_start_command(spec: DevnetSpec, node: NodeSlot, height: u64) -> Result<Command, PluginError> {
        let mut command = <Fixture as exports::devnet::plugin::node::Guest>::start_command(spec, node)?;
        command.args.extend(["--halt-height".to_string(), height.to_string()]);
        Ok(command)
    }
    fn export_command(
        _spec: DevnetSpec,
        node: NodeSlot,
        height: Option<u64>,
        output: String,
    ) -> Result<Command, PluginError> {
        let mut args = vec![
            "export".to_string(),
            "--home".to_string(),
            node.home,
            "--out".to_string(),
            output,
        ];
        if let Some(h) = height {
            args.extend(["--height".to_string(), h.to_string()]);
        }
        Ok(Command { args, env: vec![] })
    }
}

export!(Fixture);

// What the SDK's export macro writes, by hand: the host reads it before instantiating.
#[unsafe(link_section = "devnet-plugin-api")]
#[used]
static API_VERSION: [u8; 5] = *b"0.3.0";
