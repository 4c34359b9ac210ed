// Command simd is a Cosmos SDK v0.53 chain for devnet-builder's tests: ibc-go's test app with the
// command line a node operator expects (init, start, genesis, keys, export, version), unordered
// transactions enabled, and the `v050-to-v053` upgrade from simapp v0.50.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"cosmossdk.io/log"
	dbm "github.com/cosmos/cosmos-db"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/config"
	"github.com/cosmos/cosmos-sdk/client/debug"
	"github.com/cosmos/cosmos-sdk/client/keys"
	"github.com/cosmos/cosmos-sdk/client/rpc"
	"github.com/cosmos/cosmos-sdk/server"
	svrcmd "github.com/cosmos/cosmos-sdk/server/cmd"
	serverconfig "github.com/cosmos/cosmos-sdk/server/config"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authcmd "github.com/cosmos/cosmos-sdk/x/auth/client/cli"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	genutilcli "github.com/cosmos/cosmos-sdk/x/genutil/client/cli"

	"github.com/cosmos/ibc-go/v10/testing/simapp"
)

func main() {
	root := rootCommand()
	if err := svrcmd.Execute(root, "", simapp.DefaultNodeHome); err != nil {
		fmt.Fprintln(root.OutOrStderr(), err)
		os.Exit(1)
	}
}

func rootCommand() *cobra.Command {
	// A throwaway app supplies the codecs and the module basics.
	temp := simapp.NewSimApp(log.NewNopLogger(), dbm.NewMemDB(), nil, true, simtestutil.NewAppOptionsWithFlagHome(simapp.DefaultNodeHome))
	clientCtx := client.Context{}.
		WithCodec(temp.AppCodec()).
		WithInterfaceRegistry(temp.InterfaceRegistry()).
		WithTxConfig(temp.TxConfig()).
		WithLegacyAmino(temp.LegacyAmino()).
		WithInput(os.Stdin).
		WithAccountRetriever(authtypes.AccountRetriever{}).
		WithHomeDir(simapp.DefaultNodeHome).
		WithViper("")

	root := &cobra.Command{
		Use:           "simd",
		Short:         "Cosmos SDK v0.53 devnet chain (ibc-go test app)",
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(cmd.OutOrStdout())
			cmd.SetErr(cmd.ErrOrStderr())
			ctx := clientCtx.WithCmdContext(cmd.Context())
			ctx, err := client.ReadPersistentCommandFlags(ctx, cmd.Flags())
			if err != nil {
				return err
			}
			if ctx, err = config.ReadFromClientConfig(ctx); err != nil {
				return err
			}
			if err := client.SetCmdClientContextHandler(ctx, cmd); err != nil {
				return err
			}
			app := serverconfig.DefaultConfig()
			app.MinGasPrices = "0stake"
			return server.InterceptConfigsPreRunHandler(cmd, serverconfig.DefaultConfigTemplate, app, cmtcfg.DefaultConfig())
		},
	}

	sdk.GetConfig().Seal()
	basics := temp.BasicModuleManager
	root.AddCommand(
		genutilcli.InitCmd(basics, simapp.DefaultNodeHome),
		debug.Cmd(),
	)
	server.AddCommandsWithStartCmdOptions(root, simapp.DefaultNodeHome, newApp, exportApp, server.StartCmdOptions{})
	root.AddCommand(
		server.StatusCommand(),
		genutilcli.Commands(temp.TxConfig(), basics, simapp.DefaultNodeHome),
		queryCommand(),
		txCommand(),
		keys.Commands(),
	)
	return root
}

func queryCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "query", Aliases: []string{"q"}, Short: "Queries", RunE: client.ValidateCmd}
	cmd.AddCommand(
		rpc.WaitTxCmd(),
		server.QueryBlockCmd(),
		server.QueryBlocksCmd(),
		server.QueryBlockResultsCmd(),
		authcmd.QueryTxCmd(),
		authcmd.QueryTxsByEventsCmd(),
	)
	return cmd
}

func txCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "tx", Short: "Transactions", RunE: client.ValidateCmd}
	cmd.AddCommand(
		authcmd.GetSignCommand(),
		authcmd.GetBroadcastCommand(),
		authcmd.GetEncodeCommand(),
		authcmd.GetDecodeCommand(),
		authcmd.GetSimulateCmd(),
	)
	return cmd
}
