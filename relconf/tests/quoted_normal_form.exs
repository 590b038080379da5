# Prints Code.string_to_quoted/1's tree for each program in a file, in the normal
# form relconf's `syntax::normal_form` writes (see relconf/src/syntax/dump.rs).
#
# Input and output are records of `<byte length>\n<bytes>`. Each output record is
# `ok <normal form>` or `error`.
defmodule NormalForm do
  def write(x) when is_integer(x), do: ["i", Integer.to_string(x)]

  def write(x) when is_float(x) do
    <<bits::64>> = <<x::float>>
    ["f", Integer.to_string(bits)]
  end

  def write(x) when is_atom(x), do: sized("a", Atom.to_string(x))
  def write(x) when is_binary(x), do: sized("b", x)
  def write(x) when is_list(x), do: ["[", Enum.intersperse(Enum.map(x, &write/1), " "), "]"]
  def write({a, b}), do: ["{", write(a), " ", write(b), "}"]

  def write({head, meta, args}) when is_list(meta),
    do: ["(", write(head), " ", write(args), ")"]

  defp sized(tag, bytes), do: [tag, Integer.to_string(byte_size(bytes)), ":", bytes]

  def records(<<>>), do: []

  def records(data) do
    [len, rest] = :binary.split(data, "\n")
    len = String.to_integer(len)
    <<record::binary-size(len), rest::binary>> = rest
    [record | records(rest)]
  end

  def answer(src) do
    try do
      case Code.string_to_quoted(src) do
        {:ok, ast} -> IO.iodata_to_binary(["ok ", write(ast)])
        {:error, _} -> "error"
      end
    rescue
      _ -> "error"
    catch
      _, _ -> "error"
    end
  end
end

[path] = System.argv()
out = File.open!(path <> ".out", [:write, :binary])

for src <- NormalForm.records(File.read!(path)) do
  answer = NormalForm.answer(src)
  IO.binwrite(out, [Integer.to_string(byte_size(answer)), "\n", answer])
end

File.close(out)
