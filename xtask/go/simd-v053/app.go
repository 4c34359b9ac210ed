package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"

	"cosmossdk.io/log"
	storetypes "cosmossdk.io/store/types"
	upgradetypes "cosmossdk.io/x/upgrade/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/spf13/viper"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/server"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	"github.com/cosmos/cosmos-sdk/x/auth/ante"
	authcodec "github.com/cosmos/cosmos-sdk/x/auth/codec"
	authkeeper "github.com/cosmos/cosmos-sdk/x/auth/keeper"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	"github.com/cosmos/cosmos-sdk/x/staking"

	ibcante "github.com/cosmos/ibc-go/v10/modules/core/ante"
	"github.com/cosmos/ibc-go/v10/testing/simapp"
)

// UpgradeName is the software-upgrade plan this binary carries out: from simapp v0.50's state.
const UpgradeName = "v050-to-v053"

// Stores simapp v0.50 has and this app has not, and the reverse.
var (
	storesDeleted = []string{"crisis", "feegrant", "evidence", "circuit", "nft"}
	storesAdded   = []string{"ibc", "transfer", "icacontroller", "icahost"}
)

// buildApp makes the app, then, before it loads its state, enables unordered transactions and
// registers the upgrade.
func buildApp(logger log.Logger, db dbm.DB, trace io.Writer, load bool, opts servertypes.AppOptions, base ...func(*baseapp.BaseApp)) *simapp.SimApp {
	app := simapp.NewSimApp(logger, db, trace, false, opts, base...)
	enableUnordered(app)
	registerUpgrade(app)
	if load {
		if err := app.LoadLatestVersion(); err != nil {
			panic(err)
		}
	}
	return app
}

// enableUnordered swaps the ante handler for one whose account keeper accepts unordered
// transactions (SDK v0.53's sigverify checks the timeout and records the nonce). ibc-go's test
// app builds its keeper without the option; the keeper's state lives in the same auth store.
func enableUnordered(app *simapp.SimApp) {
	ak := authkeeper.NewAccountKeeper(
		app.AppCodec(),
		runtime.NewKVStoreService(app.GetKey(authtypes.StoreKey)),
		authtypes.ProtoBaseAccount,
		simapp.GetMaccPerms(),
		authcodec.NewBech32Codec(sdk.Bech32MainPrefix),
		sdk.Bech32MainPrefix,
		authtypes.NewModuleAddress(govtypes.ModuleName).String(),
		authkeeper.WithUnorderedTransactions(true),
	)
	sign := app.TxConfig().SignModeHandler()
	app.SetAnteHandler(sdk.ChainAnteDecorators(
		ante.NewSetUpContextDecorator(),
		ante.NewExtensionOptionsDecorator(nil),
		ante.NewValidateBasicDecorator(),
		ante.NewTxTimeoutHeightDecorator(),
		ante.NewValidateMemoDecorator(ak),
		ante.NewConsumeGasForTxSizeDecorator(ak),
		ante.NewDeductFeeDecorator(ak, app.BankKeeper, nil, nil),
		ante.NewSetPubKeyDecorator(ak),
		ante.NewValidateSigCountDecorator(ak),
		ante.NewSigGasConsumeDecorator(ak, ante.DefaultSigVerificationGasConsumer),
		ante.NewSigVerificationDecorator(ak, sign),
		ante.NewIncrementSequenceDecorator(ak),
		ibcante.NewRedundantRelayDecorator(app.IBCKeeper),
	))
}

func registerUpgrade(app *simapp.SimApp) {
	app.UpgradeKeeper.SetUpgradeHandler(UpgradeName,
		func(ctx context.Context, _ upgradetypes.Plan, from module.VersionMap) (module.VersionMap, error) {
			return app.ModuleManager.RunMigrations(ctx, app.Configurator(), from)
		})
	info, err := app.UpgradeKeeper.ReadUpgradeInfoFromDisk()
	if err != nil {
		panic(err)
	}
	if info.Name == UpgradeName && !app.UpgradeKeeper.IsSkipHeight(info.Height) {
		app.SetStoreLoader(upgradetypes.UpgradeStoreLoader(info.Height, &storetypes.StoreUpgrades{
			Added:   storesAdded,
			Deleted: storesDeleted,
		}))
	}
}

func newApp(logger log.Logger, db dbm.DB, trace io.Writer, opts servertypes.AppOptions) servertypes.Application {
	return buildApp(logger, db, trace, true, opts, server.DefaultBaseappOptions(opts)...)
}

// exportApp writes the state at a height as a genesis (not for a zero-height restart).
func exportApp(logger log.Logger, db dbm.DB, trace io.Writer, height int64, forZeroHeight bool, _ []string,
	opts servertypes.AppOptions, modules []string,
) (servertypes.ExportedApp, error) {
	if forZeroHeight {
		return servertypes.ExportedApp{}, errors.New("this app cannot export for a zero-height genesis; export without --for-zero-height")
	}
	if _, ok := opts.(*viper.Viper); !ok {
		return servertypes.ExportedApp{}, errors.New("app options are not a viper.Viper")
	}
	app := buildApp(logger, db, trace, height == -1, opts)
	if height != -1 {
		if err := app.LoadHeight(height); err != nil {
			return servertypes.ExportedApp{}, err
		}
	}
	ctx := app.NewContextLegacy(true, cmtproto.Header{Height: app.LastBlockHeight()})
	if len(modules) == 0 {
		// The test app's export order names modules it does not wire (x/group): export the
		// ones it has, in that order.
		for _, name := range app.ModuleManager.OrderExportGenesis {
			if _, ok := app.ModuleManager.Modules[name]; ok {
				modules = append(modules, name)
			}
		}
	}
	state, err := app.ModuleManager.ExportGenesisForModules(ctx, app.AppCodec(), modules)
	if err != nil {
		return servertypes.ExportedApp{}, err
	}
	raw, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		return servertypes.ExportedApp{}, err
	}
	validators, err := staking.WriteValidators(ctx, app.StakingKeeper)
	return servertypes.ExportedApp{
		AppState:        raw,
		Validators:      validators,
		Height:          app.LastBlockHeight() + 1,
		ConsensusParams: app.GetConsensusParams(ctx),
	}, err
}
