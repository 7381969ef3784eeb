// Command keyfob serves Keyfob's GraphQL API for CRM API keys, and carries
// the operator's subcommands: migrate, seed-demo, power-up and healthcheck.
// What serves HTTP is package httpapi; every setting is package config.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/httpapi"
	"github.com/keyfob/keyfob/internal/config"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return // -h printed the usage
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "keyfob:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, rest, err := config.Load(args, stderr)
	if err != nil {
		return err
	}
	command := "serve"
	if len(rest) > 0 {
		command, rest = rest[0], rest[1:]
	}
	switch command {
	case "serve", "migrate", "seed-demo", "healthcheck":
		if len(rest) > 0 {
			return fmt.Errorf("%s takes no arguments, got %q; run keyfob -h for usage", command, strings.Join(rest, " "))
		}
	case "power-up":
	default:
		return fmt.Errorf("unknown command %q: use serve, migrate, seed-demo, power-up or healthcheck; run keyfob -h for usage", command)
	}
	if command == "healthcheck" {
		return healthcheck(cfg)
	}
	logger := httpapi.NewLogger(stderr, cfg.LogLevel)
	store, applied, err := cfg.OpenStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()

	switch command {
	case "serve":
		if applied > 0 {
			logger.Info("migrated", "applied", applied)
		}
		ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		return httpapi.New(cfg, store, logger).Run(ctx)
	case "migrate":
		if applied > 0 {
			fmt.Fprintf(stdout, "applied %d migrations: the schema is up to date\n", applied)
		} else {
			fmt.Fprintln(stdout, "the schema was already up to date")
		}
		return nil
	case "seed-demo":
		return seedDemo(ctx, store, stdout)
	default: // power-up
		return powerUp(ctx, store, rest, stdout)
	}
}

// healthcheck asks a running server's /healthz, for container health
// checks on images without curl.
func healthcheck(cfg *config.Config) error {
	_, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://127.0.0.1:" + port + "/healthz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz answered %s", resp.Status)
	}
	return nil
}

func powerUp(ctx context.Context, store *db.DB, args []string, stdout io.Writer) error {
	if len(args) != 2 || (args[0] != "enable" && args[0] != "disable") {
		return errors.New("usage: keyfob power-up enable|disable <account-id>")
	}
	account, changed, err := store.SetPowerUp(ctx, args[1], args[0] == "enable")
	if err != nil {
		return fmt.Errorf("power-up %s %s: %w", args[0], args[1], err)
	}
	state := map[bool]string{true: "enabled", false: "disabled"}[account.APIKeyRestriction]
	if !changed {
		state = "already " + state + "; nothing changed"
	}
	fmt.Fprintf(stdout, "API Key Restriction Power-Up for %q (%s): %s\n", account.Name, account.ID, state)
	return nil
}
