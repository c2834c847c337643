#!/bin/sh
# Installs the SmartCamRT bundle on a Raspberry Pi (Raspberry Pi OS bookworm 64-bit, or Debian 12 arm64).
# Run from the unpacked bundle, as root:
#
#   tar -xzf smartcamrt-<version>-linux-aarch64.tar.gz
#   sudo ./smartcamrt-<version>-linux-aarch64/install.sh
#
# What it does (each step says what it did; safe to run again, e.g. to upgrade):
#   1. checks the machine: aarch64, glibc >= 2.36 (bookworm);
#   2. apt-get installs the system libraries in SYSTEM-PACKAGES.txt (OpenCV 4.6 modules, cpp-httplib);
#   3. checks the models against models/SHA256SUMS;
#   4. copies the bundle to PREFIX (default /opt/smartcamrt; the previous copy is replaced),
#      links /usr/local/bin/smartcamrt to it;
#   5. creates the system user `smartcamrt` (group video, for the camera), /var/lib/smartcamrt;
#   6. puts the settings at /etc/smartcamrt/smartcamrt.conf (an existing, edited file is kept; the new
#      default goes beside it as smartcamrt.conf.new);
#   7. installs smartcamrt.service (Restart=on-failure, run-folder rotation before each start),
#      enables and starts it;
#   8. runs `smartcamrt info` from PREFIX.
#
# Options:
#   --prefix DIR   install folder (default /opt/smartcamrt)
#   --root DIR     install under DIR (a staging root: DIR/opt/smartcamrt, DIR/etc/...); implies
#                  --no-apt --no-systemd --no-user (used by the tests and for image builders)
#   --no-apt       do not run apt-get (the packages must be there already)
#   --no-systemd   do not install/enable/start the unit (the unit file is still written)
#   --no-start     install and enable the unit, do not start it now
#   --no-user      do not create the smartcamrt user
#   --uninstall    stop and remove the service, PREFIX and the /usr/local/bin link (keeps
#                  /etc/smartcamrt and /var/lib/smartcamrt)
# POSIX sh; needs coreutils, sha256sum, and (unless --no-apt / --no-systemd) apt-get and systemctl.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prefix=/opt/smartcamrt root="" use_apt=1 use_systemd=1 start=1 make_user=1 uninstall=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --root) root=$2; use_apt=0; use_systemd=0; make_user=0; shift 2 ;;
    --no-apt) use_apt=0; shift ;;
    --no-systemd) use_systemd=0; shift ;;
    --no-start) start=0; shift ;;
    --no-user) make_user=0; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$prefix" in /*) ;; *) echo "install.sh: --prefix must be absolute" >&2; exit 2 ;; esac
say() { echo "[smartcamrt install] $*"; }
die() { echo "[smartcamrt install] error: $*" >&2; exit 1; }

dest="$root$prefix"
etc="$root/etc/smartcamrt"
unit_dir="$root/etc/systemd/system"
bin_link="$root/usr/local/bin/smartcamrt"

if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then
  die "run as root (sudo $0 $*)"
fi

if [ "$uninstall" = 1 ]; then
  if [ "$use_systemd" = 1 ] && command -v systemctl >/dev/null; then
    systemctl disable --now smartcamrt.service 2>/dev/null || true
  fi
  rm -f "$unit_dir/smartcamrt.service" "$bin_link"
  [ "$use_systemd" = 1 ] && command -v systemctl >/dev/null && systemctl daemon-reload || true
  rm -rf "$dest"
  say "removed $dest, the unit and $bin_link (kept $etc and /var/lib/smartcamrt)"
  exit 0
fi

# 1. The machine ---------------------------------------------------------------------------------------
if [ -z "$root" ]; then
  arch=$(uname -m)
  [ "$arch" = aarch64 ] || die "this bundle is for aarch64 (64-bit Raspberry Pi OS); this machine is $arch.
  A 32-bit Raspberry Pi OS (armv7l/armhf) cannot run it: install the 64-bit image."
  glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
  if [ -n "$glibc" ] && [ "$(printf '%s\n2.36\n' "$glibc" | sort -V | head -1)" != 2.36 ]; then
    die "glibc $glibc is older than 2.36: the bundle needs Raspberry Pi OS bookworm (Debian 12) or newer"
  fi
  . /etc/os-release 2>/dev/null || true
  say "machine: $arch, glibc ${glibc:-?}, ${PRETTY_NAME:-unknown OS}"
  [ "${VERSION_CODENAME:-}" = bookworm ] ||
    say "note: built and checked for bookworm; on ${VERSION_CODENAME:-this release} the package names in SYSTEM-PACKAGES.txt may differ"
  model=$(tr -d '\0' </proc/device-tree/model 2>/dev/null || true)
  [ -n "$model" ] && say "board: $model"
fi

# 2. System libraries ------------------------------------------------------------------------------------
packages=$(grep -v '^#' "$here/SYSTEM-PACKAGES.txt" | tr '\n' ' ')
if [ "$use_apt" = 1 ]; then
  missing=""
  for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    say "apt-get install:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
  else
    say "system libraries present: $packages"
  fi
else
  say "skipping apt (needs: $packages)"
fi

# 3. Models ----------------------------------------------------------------------------------------------
(cd "$here/models" && sha256sum -c --quiet SHA256SUMS) || die "models/SHA256SUMS does not match: the bundle is damaged"
say "models verified: $(grep -c . "$here/models/SHA256SUMS") files"

# 4. Files -----------------------------------------------------------------------------------------------
mkdir -p "$(dirname "$dest")"
rm -rf "$dest.new"
mkdir -p "$dest.new"
for item in bin lib models config systemd licenses README.md SYSTEM-PACKAGES.txt BUNDLE.json install.sh; do
  [ -e "$here/$item" ] && cp -a "$here/$item" "$dest.new/"
done
rm -rf "$dest.old"
[ -e "$dest" ] && mv "$dest" "$dest.old"
mv "$dest.new" "$dest"
rm -rf "$dest.old"
mkdir -p "$(dirname "$bin_link")"
ln -sfn "$prefix/bin/smartcamrt" "$bin_link"
say "installed to $dest (command: $bin_link)"

# 5. User and state --------------------------------------------------------------------------------------
if [ "$make_user" = 1 ]; then
  if ! id smartcamrt >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/smartcamrt --no-create-home --shell /usr/sbin/nologin \
      --groups video smartcamrt
    say "created system user smartcamrt (groups: video)"
  else
    usermod -a -G video smartcamrt
  fi
  install -d -o smartcamrt -g smartcamrt /var/lib/smartcamrt /var/lib/smartcamrt/runs
fi

# 6. Settings --------------------------------------------------------------------------------------------
mkdir -p "$etc"
conf_src="$here/config/smartcamrt.conf"
if [ -f "$etc/smartcamrt.conf" ] && ! cmp -s "$etc/smartcamrt.conf" "$conf_src"; then
  cp "$conf_src" "$etc/smartcamrt.conf.new"
  say "kept your $etc/smartcamrt.conf (the new default is smartcamrt.conf.new)"
else
  cp "$conf_src" "$etc/smartcamrt.conf"
  say "settings: $etc/smartcamrt.conf"
fi
# The default model path names the default prefix; follow --prefix.
if [ "$prefix" != /opt/smartcamrt ]; then
  sed -i "s|/opt/smartcamrt/|$prefix/|g" "$etc/smartcamrt.conf"
fi

# 7. Service ---------------------------------------------------------------------------------------------
mkdir -p "$unit_dir"
sed "s|@PREFIX@|$prefix|g" "$here/systemd/smartcamrt.service" >"$unit_dir/smartcamrt.service"
if [ "$use_systemd" = 1 ]; then
  command -v systemctl >/dev/null || die "systemctl not found (use --no-systemd)"
  systemctl daemon-reload
  systemctl enable smartcamrt.service >/dev/null
  if [ "$start" = 1 ]; then
    systemctl restart smartcamrt.service
    say "service started: systemctl status smartcamrt; journalctl -u smartcamrt -f"
  else
    say "service enabled (not started): sudo systemctl start smartcamrt"
  fi
else
  say "unit written to $unit_dir/smartcamrt.service (systemd steps skipped)"
fi

# 8. Check -----------------------------------------------------------------------------------------------
if [ -z "$root" ]; then
  "$dest/bin/smartcamrt" info || die "'$dest/bin/smartcamrt info' failed: see above"
fi
say "done"
