#!/usr/bin/env python3
"""Write a Distillery rel/config.exs of about SIZE bytes (default 1 MB) to stdout:
environments with realistic settings (lists, keyword lists, tuples, maps, strings
with interpolation, heredocs, closures and comprehensions), for timing relconf on a
large file. Usage: gen-relconf-big.py [SIZE]"""
import sys

size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
out = [
    "use Distillery.Releases.Config,\n  default_release: :big,\n  default_environment: Mix.env()\n\n",
    "helper = fn\n  {:ok, v} when is_binary(v) -> v\n  _ -> nil\nend\n\n",
]
n = 0
total = sum(map(len, out))
while total < size:
    block = f'''environment :env_{n} do
  set include_erts: {"true" if n % 2 else "false"}
  set include_src: false
  set cookie: :"cookie-{n}-#{{Mix.env()}}"
  set vm_args: "rel/vm.args.{n}"
  set overlays: [
    {{:mkdir, "var/{n}"}},
    {{:copy, "rel/etc/{n}.exs", "etc/config.exs"}},
    {{:template, "rel/etc/app.conf.eex", "etc/app_{n}.conf"}}
  ]
  set config_providers: [
    {{Distillery.Releases.Config.Providers.Elixir, ["${{RELEASE_ROOT_DIR}}/etc/{n}.exs"]}}
  ]
  set overlay_vars: [
    port: {4000 + n}, ratio: {n % 7}.5, name: "node_{n}", tags: ~w(a b c{n})a,
    limits: %{{"cpu" => {n % 4 + 1}, "mem" => "{n}MiB"}}, hosts: for(i <- 1..3, do: "h#{{i}}")
  ]
  set motd: """
  Environment {n}.
    Managed by relconf's benchmark; #{{:text}} interpolated.
  """
  set post_start_hooks: helper.({{:ok, "rel/hooks/{n}"}})
end

'''
    out.append(block)
    total += len(block)
    n += 1
out.append("release :big do\n  set version: \"1.0.0\"\n  set applications: [:runtime_tools, big: :permanent]\nend\n")
sys.stdout.write("".join(out))
