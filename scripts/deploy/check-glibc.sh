#!/usr/bin/env bash
# Checks that no ELF file in a bundle needs a newer glibc (or libstdc++) than the target system has.
# Raspberry Pi OS bookworm = Debian 12: glibc 2.36, GCC 12's libstdc++ (GLIBCXX_3.4.30, CXXABI_1.3.13).
#
# Usage: scripts/deploy/check-glibc.sh [--max 2.36] [--max-glibcxx 3.4.30] [--max-cxxabi 1.3.13] [--quiet] PATH
#   PATH: an unpacked bundle folder, a .tar.gz bundle, or one ELF file.
# For each ELF (executables and shared objects, symlinks skipped) it reads the version *needs*
# (`readelf -V`: the symbol versions the file requires from libc/libstdc++, not the ones it defines),
# prints the highest GLIBC_x.y, GLIBCXX_x.y.z and CXXABI_x.y.z per file and overall, and exits 1 when
# any exceeds its bound (2 on a usage error).
set -euo pipefail

max_glibc=2.36 max_glibcxx=3.4.30 max_cxxabi=1.3.13 quiet=0 path=""
while (($#)); do
  case "$1" in
    --max) max_glibc="$2"; shift 2 ;;
    --max-glibcxx) max_glibcxx="$2"; shift 2 ;;
    --max-cxxabi) max_cxxabi="$2"; shift 2 ;;
    --quiet) quiet=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "check-glibc: unknown option '$1'" >&2; exit 2 ;;
    *) path="$1"; shift ;;
  esac
done
[[ -n "$path" && -e "$path" ]] || { echo "check-glibc: PATH (bundle folder, .tar.gz or ELF) is required" >&2; exit 2; }
readelf_bin="$(command -v aarch64-linux-gnu-readelf || command -v readelf)" ||
  { echo "check-glibc: readelf (binutils) is required" >&2; exit 2; }

if [[ -f "$path" && "$path" == *.tar.gz ]]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  tar -xzf "$path" -C "$tmp"
  path="$tmp"
fi

# version_gt A B: true when A > B (version sort).
version_gt() { [[ "$1" != "$2" && "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -1)" == "$1" ]]; }
highest() { # highest PREFIX: the highest PREFIX_x.y among the needs on stdin
  { grep -o "Name: $1_[0-9.]*" || true; } | sed "s/Name: $1_//" | sort -uV | tail -1
}

worst_glibc="" worst_glibcxx="" worst_cxxabi="" worst_glibc_file="" failed=0 count=0
while IFS= read -r -d '' f; do
  [[ -L "$f" ]] && continue
  [[ "$(head -c 4 "$f" 2>/dev/null | tr -d '\0')" == $'\x7fELF' ]] || continue
  count=$((count + 1))
  needs="$("$readelf_bin" -V --wide "$f" 2>/dev/null | sed -n '/Version needs section/,$p')"
  g="$(highest GLIBC <<<"$needs")" gx="$(highest GLIBCXX <<<"$needs")" ca="$(highest CXXABI <<<"$needs")"
  rel="${f#"$path"/}"
  status=ok
  if [[ -n "$g" ]] && version_gt "$g" "$max_glibc"; then status="GLIBC_$g > $max_glibc"; failed=1; fi
  if [[ -n "$gx" ]] && version_gt "$gx" "$max_glibcxx"; then status="GLIBCXX_$gx > $max_glibcxx"; failed=1; fi
  if [[ -n "$ca" ]] && version_gt "$ca" "$max_cxxabi"; then status="CXXABI_$ca > $max_cxxabi"; failed=1; fi
  ((quiet)) || printf '%-58s GLIBC_%-6s GLIBCXX_%-8s CXXABI_%-7s %s\n' "$rel" "${g:--}" "${gx:--}" "${ca:--}" "$status"
  if [[ -n "$g" ]] && { [[ -z "$worst_glibc" ]] || version_gt "$g" "$worst_glibc"; }; then worst_glibc="$g" worst_glibc_file="$rel"; fi
  if [[ -n "$gx" ]] && { [[ -z "$worst_glibcxx" ]] || version_gt "$gx" "$worst_glibcxx"; }; then worst_glibcxx="$gx"; fi
  if [[ -n "$ca" ]] && { [[ -z "$worst_cxxabi" ]] || version_gt "$ca" "$worst_cxxabi"; }; then worst_cxxabi="$ca"; fi
done < <(find "$path" -type f -print0 | sort -z)

((count)) || { echo "check-glibc: no ELF file under $path" >&2; exit 2; }
verdict=$([[ $failed == 0 ]] && echo PASS || echo FAIL)
echo "check-glibc: $verdict: $count ELF files; highest needed GLIBC_${worst_glibc:-none} (${worst_glibc_file:-}) <= $max_glibc?" \
  "GLIBCXX_${worst_glibcxx:-none} <= $max_glibcxx? CXXABI_${worst_cxxabi:-none} <= $max_cxxabi?"
exit "$failed"
