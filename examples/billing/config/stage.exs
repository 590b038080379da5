use Mix.Config

# Stage is served over plain HTTP behind nginx at stage.example.com.
config :billing, BillingWeb.Endpoint,
  http: [port: 4001],
  url: [host: "stage.example.com", port: 80],
  cache_static_manifest: "priv/static/cache_manifest.json",
  server: true

config :logger, level: :debug

# Secrets live outside the repository: edeliver links /var/stage.secret.exs here
# before the build (see .deliver/config).
import_config "stage.secret.exs"
