# secret-link's remote side. secret-link sends this script to `sh -s` over ssh, with
# its arguments shell-quoted on the command line; it needs only POSIX sh and GNU
# coreutils (readlink, stat, mv -T). Replies are NUL-terminated fields on stdout.
#
#   survey FROM INTO NAME...     what is at FROM/NAME and INTO/NAME for each NAME
#   apply INTO [OP NAME SOURCE EXPECT TMP BACKUP]...
#                                carry out the steps; one STATUS DETAIL pair each
set -u
nl='
'

field() { printf '%s\0' "$@"; }

# `~` and `~/...` mean this user's home: expanded here, on the build host.
expand_home() {
  case $1 in
    '~') expanded=$HOME ;;
    '~/'*) expanded=${HOME%/}/${1#'~/'} ;;
    *) expanded=$1 ;;
  esac
}

# Sets `target` to the text of symlink $1, trailing newlines included.
read_target() {
  target=$(readlink -- "$1" && echo .) || return 1
  target=${target%.}
  target=${target%"$nl"}
}

# Sets `kind` to what is at path $1 without following a final symlink.
kind_at() {
  if [ -L "$1" ]; then kind=link
  elif [ -f "$1" ]; then kind=file
  elif [ -d "$1" ]; then kind=directory
  elif [ -e "$1" ]; then kind=other
  else kind=none
  fi
}

survey() {
  expand_home "$1"; from=$expanded
  expand_home "$2"; into=$expanded
  shift 2
  if [ -d "$into" ]; then into_state=dir
  elif [ -e "$into" ] || [ -L "$into" ]; then into_state=notdir
  else into_state=missing
  fi
  if [ -w "$into" ]; then writable=1; else writable=0; fi
  git_found=0 top= prefix= in_tree=0
  if command -v git >/dev/null 2>&1; then
    git_found=1
    if [ "$into_state" = dir ] && top=$(git -C "$into" rev-parse --show-toplevel 2>/dev/null); then
      prefix=$(git -C "$into" rev-parse --show-prefix 2>/dev/null) || prefix=
      in_tree=1
    else
      top=
    fi
  elif [ "$into_state" = dir ]; then
    dir=$into
    while :; do
      if [ -e "$dir/.git" ]; then in_tree=1; break; fi
      [ "$dir" = / ] || [ -z "$dir" ] && break
      dir=$(dirname -- "$dir")
    done
  fi
  field "$from" "$into" "$into_state" "$writable" "$(id -u)" "$git_found" "$in_tree" "$top" "$prefix"
  for name do
    source=$from/$name link=$into/$name
    if [ -f "$source" ]; then source_kind=file
    elif [ -d "$source" ]; then source_kind=directory
    elif [ -e "$source" ]; then source_kind=other
    else source_kind=missing
    fi
    mode= owner= readable=0
    if [ "$source_kind" != missing ]; then
      info=$(stat -L -c '%a %u' -- "$source" 2>/dev/null) && { mode=${info% *}; owner=${info#* }; }
      [ -r "$source" ] && readable=1
    fi
    kind_at "$link"
    target= resolves=0
    if [ "$kind" = link ]; then
      read_target "$link" || target=
      [ -e "$link" ] && resolves=1
    fi
    tracked=- ignored=-
    if [ -n "$top" ]; then
      if git -C "$into" --literal-pathspecs ls-files --error-unmatch -- "$name" >/dev/null 2>&1
      then tracked=1; else tracked=0; fi
      if git -C "$into" check-ignore -q -- "$name" 2>/dev/null; then ignored=1; else ignored=0; fi
    fi
    temps=
    for temp in "$into"/."$name".secret-link-tmp.*; do
      [ -L "$temp" ] && temps=$temps${temp##*/}/
    done
    field "$source_kind" "$mode" "$owner" "$readable" "$kind" "$target" "$resolves" "$tracked" "$ignored" "$temps"
  done
}

# Reports `changed` with a description of what is at $link now, or `already` when
# what changed it (another apply, racing this one) put the right link there.
changed() {
  if already_right; then field already ""; return; fi
  kind_at "$link"
  if [ "$kind" = link ]; then read_target "$link" || target=; field changed "link:$target"
  else field changed "$kind"
  fi
}

already_right() {
  [ -L "$link" ] && read_target "$link" && [ "$target" = "$source" ]
}

# A free name for the backup: BACKUP, else BACKUP.1, BACKUP.2 ...
free_backup() {
  backup_name=$1 n=0
  while [ -e "$into/$backup_name" ] || [ -L "$into/$backup_name" ]; do
    n=$((n + 1)); backup_name=$1.$n
  done
}

step() {
  if already_right; then field already ""; return; fi
  case $op in
    create)
      # ln -s without -f creates the name atomically or fails if anything is there.
      if err=$(ln -s -- "$source" "$link" 2>&1); then field done ""
      elif already_right; then field already ""
      elif [ -e "$link" ] || [ -L "$link" ]; then changed
      else field failed "$err"
      fi ;;
    replace)
      if ! { [ -L "$link" ] && read_target "$link" && [ "$target" = "$expect" ]; }; then changed; return; fi
      err=$(ln -s -- "$source" "$into/$tmp" 2>&1) || { field failed "$err"; return; }
      if err=$(mv -f -T -- "$into/$tmp" "$link" 2>&1); then field done ""
      else rm -f -- "$into/$tmp"; field failed "$err"
      fi ;;
    backup-file)
      if ! { [ -f "$link" ] && [ ! -L "$link" ]; }; then changed; return; fi
      free_backup "$backup"
      # A hard link keeps the file under its new name while the link takes its place.
      if ! ln -- "$link" "$into/$backup_name" 2>/dev/null; then
        err=$(cp -p -- "$link" "$into/$backup_name" 2>&1) || { field failed "$err"; return; }
      fi
      err=$(ln -s -- "$source" "$into/$tmp" 2>&1) || { field failed "$err"; return; }
      if err=$(mv -f -T -- "$into/$tmp" "$link" 2>&1); then field done "$backup_name"
      else rm -f -- "$into/$tmp"; field failed "$err"
      fi ;;
    backup-dir)
      if ! { [ -d "$link" ] && [ ! -L "$link" ]; }; then changed; return; fi
      free_backup "$backup"
      err=$(ln -s -- "$source" "$into/$tmp" 2>&1) || { field failed "$err"; return; }
      # GNU mv 9.5 and later exchange the two in one renameat2(RENAME_EXCHANGE); the
      # directory then has the temporary name and goes to its backup name.
      if mv --exchange -T -- "$into/$tmp" "$link" 2>/dev/null; then
        if err=$(mv -T -- "$into/$tmp" "$into/$backup_name" 2>&1); then field done "$backup_name"
        else field failed "the link is in place, but moving the old directory to $into/$backup_name failed: $err"
        fi
        return
      fi
      err=$(mv -T -- "$link" "$into/$backup_name" 2>&1) || { rm -f -- "$into/$tmp"; field failed "$err"; return; }
      if err=$(mv -f -T -- "$into/$tmp" "$link" 2>&1); then field done "$backup_name"
      else
        mv -T -- "$into/$backup_name" "$link" 2>/dev/null
        rm -f -- "$into/$tmp"; field failed "$err"
      fi ;;
    *) field failed "unknown step $op" ;;
  esac
}

apply() {
  into=$1; shift
  while [ $# -ge 6 ]; do
    op=$1 name=$2 source=$3 expect=$4 tmp=$5 backup=$6
    shift 6
    link=$into/$name
    step
  done
}

case ${1-} in
  survey) shift; survey "$@" ;;
  apply) shift; apply "$@" ;;
  *) echo "secret-link remote: unknown request '${1-}'" >&2; exit 3 ;;
esac
