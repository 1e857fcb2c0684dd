#!/usr/bin/env bash
# Install Debian 11's Julia 1.5.3 (standard library only, no package registry)
# into a folder, so the SDK's stdlib-only tests can run on machines whose only
# software source is Debian's archive. Nothing is installed system-wide: the
# .deb files are unpacked into DEST/root, fetched with private apt lists from
# deb.debian.org only.
#
#   sdk/julia/check/debian_julia.sh DEST
#
# Afterwards run Julia as
#   LD_LIBRARY_PATH=DEST/root/usr/lib/x86_64-linux-gnu:DEST/root/usr/lib/x86_64-linux-gnu/julia \
#     DEST/root/usr/bin/julia --startup-file=no
# Idempotent: exits at once when DEST already holds a working Julia 1.5.3.
# Exits non-zero, saying which step failed, when anything goes wrong.
set -euo pipefail

fail() {
    echo "debian_julia.sh: $*" >&2
    exit 1
}

[ $# -eq 1 ] || fail "usage: debian_julia.sh DEST"
mkdir -p "$1" || fail "cannot create $1"
dest=$(cd "$1" && pwd)
lib=$dest/root/usr/lib/x86_64-linux-gnu
julia=$dest/root/usr/bin/julia
version=1.5.3

works() {
    [ -x "$julia" ] || return 1
    local printed
    printed=$(LD_LIBRARY_PATH=$lib:$lib/julia "$julia" --startup-file=no \
        -e 'using Test, Sockets, Random, Dates, LinearAlgebra
            # an error inside an included file must be reported, not crash Julia
            path = tempname(); write(path, "error(\"expected\")")
            try include(path) catch err; sprint(Base.show_backtrace, catch_backtrace()) end
            rm(path); print(VERSION)' 2>/dev/null) || return 1
    [ "$printed" = "$version" ]
}

if works; then
    echo "Julia $version already installed in $dest"
    exit 0
fi

[ "$(uname -m)" = x86_64 ] || fail "only x86_64 is supported (this machine is $(uname -m))"
command -v apt-get >/dev/null || fail "apt-get not found: this installer needs a Debian-based system"
command -v dpkg >/dev/null || fail "dpkg not found: this installer needs a Debian-based system"

# Shared libraries Debian's julia links against that this machine already has
# (ABI-stable across Debian 11 and 12); checked before downloading. Not
# libunwind: with Debian 12's, printing the backtrace of an error raised in an
# included file crashes Julia 1.5.3, so Debian 11's libunwind8 is unpacked.
system_libs=(libcurl-gnutls.so.4 libgmp.so.10 libmpfr.so.6 libpcre2-8.so.0 libssh2.so.1)
for name in "${system_libs[@]}"; do
    [ -e "/usr/lib/x86_64-linux-gnu/$name" ] ||
        fail "/usr/lib/x86_64-linux-gnu/$name is missing (install its Debian package, e.g. apt-get install libcurl3-gnutls libgmp10 libmpfr6 libpcre2-8-0 libssh2-1)"
done

work=$dest/work
rm -rf "$work"
mkdir -p "$work"/{lists/partial,cache/archives/partial,etc,debs,root}
# bullseye (Debian 11) has julia 1.5.3; its libgfortran5 conflicts with the
# newer one a bookworm system has installed, so that one comes from bookworm.
cat >"$work/etc/sources.list" <<'EOF'
deb http://deb.debian.org/debian bullseye main
deb http://deb.debian.org/debian bookworm main
EOF
apt_options=(
    -o "Dir::Etc::SourceList=$work/etc/sources.list"
    -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$work/lists"
    -o "Dir::Cache=$work/cache"
    -o "APT::Sandbox::User=$(id -un)"
    -q
)

echo "debian_julia.sh: fetching package lists from deb.debian.org (bullseye, bookworm)"
apt-get "${apt_options[@]}" update >"$work/update.log" 2>&1 ||
    fail "apt-get update against deb.debian.org failed (no network?): $(tail -n 3 "$work/update.log")"
grep -q '^Err' "$work/update.log" &&
    fail "apt-get update could not fetch every list (no network?): $(grep '^Err' "$work/update.log" | head -n 3)"

packages=(
    julia/bullseye julia-common/bullseye libjulia1/bullseye libllvm9/bullseye
    libgit2-1.1/bullseye libmbedcrypto3/bullseye libmbedtls12/bullseye libmbedx509-0/bullseye
    libdsfmt-19937-1/bullseye libopenlibm3/bullseye libutf8proc2/bullseye libffi7/bullseye
    libunwind8/bullseye
    libgfortran5/bookworm
)
echo "debian_julia.sh: downloading ${#packages[@]} packages (about 53 MB)"
(cd "$work/debs" && apt-get "${apt_options[@]}" download "${packages[@]}") >"$work/download.log" 2>&1 ||
    fail "apt-get download failed: $(tail -n 3 "$work/download.log")"

for deb in "$work"/debs/*.deb; do
    dpkg -x "$deb" "$work/root" || fail "cannot unpack $deb"
done

# libjulia's private folder links to ../<lib> for libraries this machine has.
for name in "${system_libs[@]}"; do
    ln -sf "/usr/lib/x86_64-linux-gnu/$name" "$work/root/usr/lib/x86_64-linux-gnu/$name"
done

rm -rf "$dest/root"
mv "$work/root" "$dest/root"
rm -rf "$work"
works || fail "Julia unpacked into $dest/root but does not start: try
  LD_LIBRARY_PATH=$lib:$lib/julia $julia -e 'println(VERSION)'"
echo "Julia $version installed in $dest"
