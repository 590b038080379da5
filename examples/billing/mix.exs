defmodule Billing.MixProject do
  use Mix.Project

  @version "0.1.0"

  def project do
    [
      app: :billing,
      version: @version,
      elixir: "~> 1.9",
      start_permanent: Mix.env() == :prod,
      deps: deps(),
      releases: releases()
    ]
  end

  def application do
    [
      mod: {Billing.Application, []},
      extra_applications: [:logger, :runtime_tools]
    ]
  end

  # Distillery builds the :stage and :prod environments from rel/config.exs; the
  # Mix release below is what the project is moving to.
  defp releases do
    [
      billing: [
        include_executables_for: [:unix],
        applications: [runtime_tools: :permanent],
        steps: [:assemble, :tar]
      ]
    ]
  end

  defp deps do
    [
      {:distillery, "~> 2.1", runtime: false},
      {:edeliver, ">= 0.0.0"}
    ]
  end
end
