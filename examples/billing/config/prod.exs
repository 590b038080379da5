use Mix.Config

config :billing, BillingWeb.Endpoint,
  http: [port: 4000],
  url: [host: "example.com", port: 443, scheme: "https"],
  cache_static_manifest: "priv/static/cache_manifest.json",
  server: true

config :logger, level: :info

import_config "prod.secret.exs"
