use Mix.Config

config :billing, BillingWeb.Endpoint,
  url: [host: "localhost"],
  render_errors: [view: BillingWeb.ErrorView, accepts: ~w(html json)]

config :logger, :console,
  format: "$time $metadata[$level] $message\n",
  metadata: [:request_id]

import_config "#{Mix.env()}.exs"
