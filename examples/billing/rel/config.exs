# Import all plugins from `rel/plugins`
# They can then be used by adding `plugin MyPlugin` to
# either an environment, or release definition, where
# `MyPlugin` is the name of the plugin module.
~w(rel plugins *.exs)
|> Path.join()
|> Path.wildcard()
|> Enum.map(&Code.eval_file(&1))

use Distillery.Releases.Config,
    # This sets the default release built by `mix distillery.release`
    default_release: :default,
    # This sets the default environment used by `mix distillery.release`
    default_environment: Mix.env()

# The stage server serves plain HTTP at stage.example.com and runs beside prod.
environment :stage do
  set dev_mode: false
  set include_erts: true
  set include_src: true
  set cookie: :"foo123"
  set vm_args: "rel/vm.args.stage"
end

environment :prod do
  set include_erts: true
  set include_src: false
  set cookie: :"foo123"
  set vm_args: "rel/vm.args.prod"
end

release :billing do
  set version: current_version(:billing)
  set applications: [
    :runtime_tools
  ]
  plugin Releases.Plugin.LinkConfig
end
