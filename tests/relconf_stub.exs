# A stub of the Distillery DSL for relconf's conformance test: real Elixir
# evaluates a rel/config.exs (or a mix.exs) with these definitions and prints what
# it found as JSON, with the mapping relconf documents (atoms, strings and
# charlists as strings, keyword lists as objects, tuples as {"tuple": [...]}).
# Usage: elixir tests/relconf_stub.exs FILE

defmodule RelconfStub.Json do
  def enc(nil), do: "null"
  def enc(true), do: "true"
  def enc(false), do: "false"
  def enc(a) when is_atom(a), do: str(Atom.to_string(a))
  def enc(b) when is_binary(b), do: str(b)
  def enc(n) when is_integer(n), do: Integer.to_string(n)
  def enc(f) when is_float(f), do: Float.to_string(f)
  def enc(t) when is_tuple(t), do: "{\"tuple\":" <> enc(Tuple.to_list(t)) <> "}"
  def enc([]), do: "[]"

  def enc(l) when is_list(l) do
    cond do
      # A keyword list with a key twice stays a list: an object would lose one.
      Keyword.keyword?(l) and length(Enum.uniq(Keyword.keys(l))) == length(l) ->
        "{" <> Enum.map_join(l, ",", fn {k, v} -> str(Atom.to_string(k)) <> ":" <> enc(v) end) <> "}"

      List.ascii_printable?(l) ->
        str(List.to_string(l))

      true ->
        "[" <> Enum.map_join(l, ",", &enc/1) <> "]"
    end
  end

  def enc(other), do: "{\"opaque\":" <> str(inspect(other)) <> "}"

  def str(s) do
    escaped =
      s
      |> String.to_charlist()
      |> Enum.map_join(fn
        ?" -> "\\\""
        ?\\ -> "\\\\"
        c when c < 0x20 -> "\\u" <> String.pad_leading(Integer.to_string(c, 16), 4, "0")
        c -> <<c::utf8>>
      end)

    "\"" <> escaped <> "\""
  end
end

defmodule RelconfStub.Store do
  def get, do: Process.get(:relconf, %{defaults: [], environments: [], releases: [], scope: nil})
  def put(s), do: Process.put(:relconf, s)

  def defaults(opts), do: put(%{get() | defaults: opts})

  def enter(kind, name) do
    s = get()
    key = if kind == :environment, do: :environments, else: :releases
    list = Map.fetch!(s, key)
    list = if List.keymember?(list, name, 0), do: list, else: list ++ [{name, []}]
    put(s |> Map.put(key, list) |> Map.put(:scope, {key, name}))
  end

  def leave, do: put(%{get() | scope: nil})

  def set(opts) do
    s = get()
    {key, name} = s.scope
    list = Map.fetch!(s, key)
    {^name, settings} = List.keyfind(list, name, 0)
    # A later set of the same key replaces the earlier value, in place.
    merged =
      Enum.reduce(opts, settings, fn {k, v}, acc ->
        if Keyword.has_key?(acc, k), do: Keyword.replace!(acc, k, v), else: acc ++ [{k, v}]
      end)

    put(Map.put(s, key, List.keystore(list, name, 0, {name, merged})))
  end
end

defmodule RelconfStub.DSL do
  defmacro environment(name, do: block), do: in_block(:environment, name, block)
  defmacro release(name, do: block), do: in_block(:release, name, block)

  defp in_block(kind, name, block) do
    quote do
      RelconfStub.Store.enter(unquote(kind), unquote(name))
      unquote(block)
      RelconfStub.Store.leave()
    end
  end

  defmacro set(opts), do: quote(do: RelconfStub.Store.set(unquote(opts)))
  defmacro plugin(_mod), do: nil
  defmacro plugin(_mod, _opts), do: nil
  defmacro current_version(app), do: quote(do: {:__current_version__, unquote(app)})
end

for mod <- [Distillery.Releases.Config, Mix.Releases.Config] do
  defmodule mod do
    defmacro __using__(opts) do
      quote do
        import RelconfStub.DSL
        RelconfStub.Store.defaults(unquote(opts))
      end
    end
  end
end

[file] = System.argv()
source = File.read!(file)
# rel/config.exs files call Mix.env(), which needs Mix running.
Mix.start()

out =
  if source =~ ~r/use Mix\.Project/ do
    {{:module, mod, _, _}, _} = Code.eval_string(source, [], file: file)
    project = mod.project()
    releases = Keyword.get(project, :releases, [])
    %{defaults: [default_release: Keyword.get(project, :default_release)], environments: [], releases: releases}
  else
    Code.eval_string(source, [], file: file)
    RelconfStub.Store.get()
  end

IO.puts(
  "RELCONF_STUB_JSON:" <>
    "{\"defaults\":" <> RelconfStub.Json.enc(out.defaults) <>
    ",\"environments\":" <> RelconfStub.Json.enc(out.environments) <>
    ",\"releases\":" <> RelconfStub.Json.enc(out.releases) <> "}"
)
