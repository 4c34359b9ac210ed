//! Compiles proto/ with protox (no system protoc) and generates the tonic services. The file
//! descriptor set is kept too: the daemon serves it through gRPC reflection.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = ["proto/devnet/v1/devnet.proto"];
    let fds = protox::compile(protos, ["proto"])?;
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("devnet_descriptor.bin"), prost::Message::encode_to_vec(&fds))?;
    // PluginInfo is what `dvb plugin list -o json` prints, daemon or not.
    tonic_prost_build::configure()
        .type_attribute("devnet.v1.PluginInfo", "#[derive(serde::Serialize)]")
        .type_attribute("devnet.v1.Proposal", "#[derive(serde::Serialize)]")
        .type_attribute("devnet.v1.TxKind", "#[derive(serde::Serialize)]")
        .type_attribute("devnet.v1.ListTxKindsResponse", "#[derive(serde::Serialize)]")
        .compile_fds(fds)?;
    for p in protos {
        println!("cargo:rerun-if-changed={p}");
    }
    Ok(())
}
