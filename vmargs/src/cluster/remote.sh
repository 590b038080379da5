# vmargs cluster --host: the files a release's boot reads, from the release
# directory $1, each as NAME NUL SIZE NUL BYTES (ERTS's erlexec, and the ebin
# directories, by name only).
cd "$1" 2>/dev/null || { echo "no directory $1 on this host" >&2; exit 3; }
[ -d releases ] || { echo "$1 is not a release directory (no releases/)" >&2; exit 4; }
for f in releases/start_erl.data releases/COOKIE releases/*/vm.args \
  releases/*/vm.args.src releases/*/vm.args.orig releases/*/remote.vm.args \
  releases/*/sys.config releases/*/sys.config.src releases/*/elixir releases/*/iex \
  releases/*/*.boot releases/*/*.sh releases/*/hooks/*.d/* \
  vm.args vm.args.src sys.config sys.config.src bin/*; do
  [ -f "$f" ] && [ -r "$f" ] || continue
  size=$(wc -c < "$f" | tr -d ' ')
  [ "$size" -le 1048576 ] || continue
  printf '%s\000%s\000' "$f" "$size"
  cat "$f"
done
for f in erts-*/bin/erlexec; do
  [ -f "$f" ] && printf '%s\0000\000' "$f"
done
# Distillery on the host's ERTS puts lib/*/ebin on the code path: the names only.
for d in lib/*/ebin; do
  [ -d "$d" ] && printf '%s\0000\000' "$d/.relkit-ebin"
done
exit 0
