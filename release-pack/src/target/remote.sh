# release-pack verify --target-host: what the check needs of a host, read with POSIX
# sh, od, ls and readlink only (nothing of relkit on the host). `basics` prints the
# host's name, its loader cache, the listings of the library directories, the
# ld.so.conf files and where Erlang is; `files PATH...` describes each path: missing,
# a dangling link, not a file, or its real path and size with the parts of the ELF
# file the loader reads (header, program and section headers, the interpreter, the
# dynamic section, the version sections and their string tables), never the whole
# file. Lines: a letter and fields, then the bytes of a part as od hex lines.
set -u
LC_ALL=C
export LC_ALL

hex() { od -An -v -tx1 "$@"; }

# le OFFSET COUNT BYTE...: the little-endian number at OFFSET of the bytes.
le() {
  o=$1 n=$2
  shift 2
  shift "$o"
  v=0 m=1 i=0
  while [ "$i" -lt "$n" ]; do
    v=$((v + $1 * m))
    m=$((m * 256))
    i=$((i + 1))
    shift
  done
  echo "$v"
}

# part FILE OFFSET LENGTH
part() {
  [ "$3" -gt 0 ] || return 0
  echo "C $2 $3"
  hex -j "$2" -N "$3" "$1"
}

describe() {
  f=$1
  if [ -L "$f" ] && [ ! -e "$f" ]; then
    echo "D $f $(readlink "$f")"
    return 0
  fi
  if [ ! -e "$f" ]; then
    echo "M $f"
    return 0
  fi
  if [ ! -f "$f" ] || [ ! -r "$f" ]; then
    echo "U $f"
    return 0
  fi
  echo "F $f $(readlink -f "$f") $(wc -c < "$f")"
  part "$f" 0 64
  set -- $(od -An -v -tu1 -N 64 "$f")
  # ELF, 64-bit, little-endian: the rest is read; any other file is its header.
  [ "$#" -eq 64 ] && [ "$1 $2 $3 $4 $5 $6" = "127 69 76 70 2 1" ] || return 0
  head="$*"
  phoff=$(le 32 8 $head) phent=$(le 54 2 $head) phnum=$(le 56 2 $head)
  shoff=$(le 40 8 $head) shent=$(le 58 2 $head) shnum=$(le 60 2 $head)
  shstrndx=$(le 62 2 $head)
  # ELF64's own entry sizes; a file that says otherwise is sent as its header only,
  # and the check calls it damaged.
  [ "$phent" = 56 ] && [ "$shent" = 64 ] || return 0
  if [ "$phnum" -gt 0 ] && [ "$phnum" -lt 4096 ]; then
    part "$f" "$phoff" $((phent * phnum))
    set -- $(od -An -v -tu1 -j "$phoff" -N $((phent * phnum)) "$f")
    table="$*"
    [ "$#" -eq $((phent * phnum)) ] || phnum=0
    i=0
    while [ "$i" -lt "$phnum" ]; do
      b=$((i * phent))
      if [ "$(le "$b" 4 $table)" = 3 ]; then
        part "$f" "$(le $((b + 8)) 8 $table)" "$(le $((b + 32)) 8 $table)"
      fi
      i=$((i + 1))
    done
  fi
  [ "$shnum" -gt 0 ] && [ "$shnum" -lt 65280 ] || return 0
  part "$f" "$shoff" $((shent * shnum))
  set -- $(od -An -v -tu1 -j "$shoff" -N $((shent * shnum)) "$f")
  table="$*"
  [ "$#" -eq $((shent * shnum)) ] || return 0
  wanted=" $shstrndx "
  i=0
  while [ "$i" -lt "$shnum" ]; do
    b=$((i * shent))
    case $(le $((b + 4)) 4 $table) in
      # SHT_DYNAMIC, SHT_GNU_verdef, SHT_GNU_verneed, and the strings they name.
      6 | 1879048189 | 1879048190)
        case $wanted in *" $i "*) ;; *) wanted="$wanted$i " ;; esac
        l=$(le $((b + 40)) 4 $table)
        case $wanted in *" $l "*) ;; *) wanted="$wanted$l " ;; esac
        ;;
    esac
    i=$((i + 1))
  done
  for i in $wanted; do
    [ "$i" -lt "$shnum" ] || continue
    b=$((i * shent))
    part "$f" "$(le $((b + 24)) 8 $table)" "$(le $((b + 32)) 8 $table)"
  done
}

basics() {
  echo "N $(uname -n)"
  if [ -r /etc/ld.so.cache ]; then
    echo "K /etc/ld.so.cache"
    hex /etc/ld.so.cache
  fi
  for d in /lib/*-linux-gnu* /usr/lib/*-linux-gnu* /lib /usr/lib /lib64 /usr/lib64 /libx32 /usr/libx32; do
    [ -d "$d" ] || continue
    echo "L $d"
    ls -1Ap "$d" | hex
  done
  for f in /etc/ld.so.conf /etc/ld.so.conf.d/*; do
    [ -f "$f" ] || continue
    echo "T $f"
    hex "$f"
  done
  roots="/usr/lib/erlang /usr/local/lib/erlang"
  for d in /usr/local/bin /usr/bin /bin /usr/local/sbin /usr/sbin /sbin; do
    [ -e "$d/erl" ] || continue
    erl=$(readlink -f "$d/erl")
    root=$(sed -n 's/^ROOTDIR="\{0,1\}\(\/[^"$]*\)"\{0,1\}$/\1/p' "$erl" | head -n 1)
    [ -n "$root" ] || root=${erl%/bin/erl}
    roots="$root $roots"
    break
  done
  for r in $roots; do
    [ -d "$r" ] || continue
    echo "R $(readlink -f "$r")"
    ls -1A "$r" | hex
    echo "A $(readlink -f "$r")/lib"
    ls -1A "$r/lib" 2>/dev/null | hex
  done
  describe /bin/sh
}

mode=${1:-}
shift || true
case $mode in
  basics) basics ;;
  files) for f in "$@"; do describe "$f"; done ;;
  *) echo "usage: basics | files PATH..." >&2; exit 2 ;;
esac
