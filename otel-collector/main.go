// Command otelcol-podpulse is the OpenTelemetry Collector distribution podpulse is tested with:
// exactly the components otel-collector/config.yaml uses, at the versions pinned in go.mod, which
// match the official contrib image the compose file and the Kubernetes example run.
//
// Laid out the way the collector builder (ocb) lays out a distribution: main.go holds the build
// info and the config providers, components.go the factories.
package main

import (
	"log"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/otelcol"
)

// version is the contrib release whose components this distribution is built from.
const version = "0.165.1"

func main() {
	info := component.BuildInfo{
		Command:     "otelcol-podpulse",
		Description: "OpenTelemetry Collector for podpulse (otlp -> prometheusremotewrite)",
		Version:     version,
	}
	settings := otelcol.CollectorSettings{
		BuildInfo: info,
		Factories: components,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				// file: for --config, env: for ${env:VAR:-default} inside it.
				ProviderFactories: []confmap.ProviderFactory{
					envprovider.NewFactory(),
					fileprovider.NewFactory(),
				},
			},
		},
	}
	if err := otelcol.NewCommand(settings).Execute(); err != nil {
		log.Fatalf("collector server run finished with error: %v", err)
	}
}
