// Command simd is a Cosmos SDK v0.50 chain with IBC for devnet-builder: ibc-go v8.8.0's own test
// app and command line (testing/simapp/simd/cmd), built by `cargo xtask chains`. ibc-go v8 still
// emits the packet_data and packet_ack event attributes that @confio/relayer reads (ibc-go v10,
// behind our v0.53 simd, emits only their hex forms), so two of these chains are relayed by it
// unmodified. ibc-go's go.mod carries a replace directive, which `go install pkg@version`
// refuses: hence this module.
package main

import (
	"os"

	svrcmd "github.com/cosmos/cosmos-sdk/server/cmd"

	"github.com/cosmos/ibc-go/v8/testing/simapp"
	"github.com/cosmos/ibc-go/v8/testing/simapp/simd/cmd"
)

func main() {
	root := cmd.NewRootCmd()
	if err := svrcmd.Execute(root, "", simapp.DefaultNodeHome); err != nil {
		root.PrintErrln(err)
		os.Exit(1)
	}
}
