#!/bin/bash
# Builds the Debian package milter_<version>_amd64.deb (packaging/README.md).
#
#   bash packaging/build-deb.sh [--output DIR] [--lintian]
#
#   --output DIR  where the package and its build tree go (default: artifacts/deb in the repository, ignored by git)
#   --lintian     run lintian on the result (its overrides file explains each tag it keeps)
#
# Needs the .NET 10 SDK (with the linux-x64 runtime pack from the NuGet feed), dpkg-dev (dpkg-deb,
# dpkg-parsechangelog, dpkg-shlibdeps), binutils (strip) and gzip; lintian for --lintian. Runs as any user:
# dpkg-deb --root-owner-group makes every file root's in the package.
# The version is the one at the top of packaging/debian/changelog; its upstream part becomes the program's
# version (`milter version`). The program is published from a copy of the sources, so the build never touches the
# working tree's bin/ and obj/ (a test run may be using them at the same time).
set -euo pipefail
umask 022

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out=$repo/artifacts/deb
lintian=0
while [ $# -gt 0 ]; do
    case $1 in
        --output) out=$2; shift 2;;
        --lintian) lintian=1; shift;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0;;
        *) echo "build-deb: unknown argument '$1' (--output DIR, --lintian)" >&2; exit 2;;
    esac
done
say() { echo "build-deb: $*"; }
for tool in dotnet dpkg-deb dpkg-parsechangelog dpkg-shlibdeps strip gzip; do
    command -v "$tool" >/dev/null || { echo "build-deb: '$tool' not found (install the .NET SDK, dpkg-dev, binutils)" >&2; exit 1; }
done

version=$(dpkg-parsechangelog -l "$here/debian/changelog" -S Version)
upstream=${version%-*}
mkdir -p "$out"
out=$(cd "$out" && pwd)
deb=$out/milter_${version}_amd64.deb
src=$out/src
publish=$out/publish
root=$out/root
rm -rf "$src" "$publish" "$root" "$deb"

# 1. the program: a self-contained single file (no .NET runtime needed on the server) and SQLite beside it
say "publishing milter $upstream (self-contained, linux-x64)"
mkdir -p "$src"
(cd "$repo" && tar -cf - --exclude=bin --exclude=obj Directory.Build.props Directory.Packages.props Milter.Host Milter.Policy Milter.Protocol) \
    | tar -xf - -C "$src"
dotnet publish "$src/Milter.Host/Milter.Host.csproj" -c Release -r linux-x64 --self-contained \
    -p:PublishSingleFile=true -p:DebugType=none -p:Version="$upstream" -o "$publish" -nologo -v quiet
[ -x "$publish/milter" ] && [ -f "$publish/libe_sqlite3.so" ] || { echo "build-deb: publish did not produce milter and libe_sqlite3.so" >&2; exit 1; }

# 2. the file tree
say "staging $root"
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/lib/milter" "$root/lib/systemd/system" "$root/etc/milter" \
    "$root/usr/share/man/man8" "$root/usr/share/bash-completion/completions" "$root/usr/share/lintian/overrides" \
    "$root/usr/share/doc/milter/docs" "$root/usr/share/doc/milter/sendmail-mc-snippets" \
    "$root/usr/share/doc/milter/postfix-main-cf-snippets" "$root/usr/share/doc/milter/examples"
# The single-file bundle must not be stripped (the managed code is appended to the ELF host); SQLite is.
install -m 0755 "$publish/milter" "$root/usr/lib/milter/milter"
install -m 0644 "$publish/libe_sqlite3.so" "$root/usr/lib/milter/libe_sqlite3.so"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/lib/milter/libe_sqlite3.so"
ln -s ../lib/milter/milter "$root/usr/bin/milter"
install -m 0644 "$repo/contrib/systemd/milter.service" "$root/lib/systemd/system/milter.service"
install -m 0644 "$repo/docs/milter.example.json" "$root/etc/milter/milter.json"
gzip -9n < "$here/milter.8" > "$root/usr/share/man/man8/milter.8.gz"
install -m 0644 "$here/milter.bash-completion" "$root/usr/share/bash-completion/completions/milter"
install -m 0644 "$here/debian/lintian-overrides" "$root/usr/share/lintian/overrides/milter"

doc=$root/usr/share/doc/milter
install -m 0644 "$here/debian/copyright" "$doc/copyright"
gzip -9n < "$here/debian/changelog" > "$doc/changelog.Debian.gz"
install -m 0644 "$here/README.Debian" "$repo/README.md" "$doc/"
install -m 0644 "$repo"/docs/*.md "$doc/docs/"
install -m 0644 "$repo"/sendmail-mc-snippets/* "$doc/sendmail-mc-snippets/"
install -m 0644 "$repo"/postfix-main-cf-snippets/* "$doc/postfix-main-cf-snippets/"
install -m 0644 "$repo/contrib/dovecot/milter-lease-postlogin.sh" "$doc/examples/"
# Debian policy 12.3: documentation over 4 kB is compressed. The files an admin pastes or installs as they are
# (*.m4, *.cf, the help file, the example script) stay plain, so they must stay under that size.
find "$doc" -type f \( -name '*.md' -o -name README.Debian \) -size +4k -exec gzip -9n {} +
find "$doc" -type f ! -name '*.gz' ! -name copyright -size +4k | while read -r big; do
    echo "build-deb: $big is over 4 kB: compress it, or keep a file to paste smaller" >&2; exit 1
done

# 3. the control files
install -m 0644 "$here/debian/conffiles" "$root/DEBIAN/conffiles"
install -m 0755 "$here/debian/postinst" "$here/debian/prerm" "$here/debian/postrm" "$root/DEBIAN/"
shlibs=$out/shlibs
rm -rf "$shlibs"
mkdir -p "$shlibs/debian"
printf 'Source: milter\n\nPackage: milter\nArchitecture: amd64\n' > "$shlibs/debian/control"
depends=$(cd "$shlibs" && dpkg-shlibdeps -O "$root/usr/lib/milter/milter" "$root/usr/lib/milter/libe_sqlite3.so" 2>/dev/null \
    | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$size/" -e "s/@SHLIBS_DEPENDS@/$depends/" \
    "$here/debian/control.in" > "$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z \
    | xargs -0 md5sum) > "$root/DEBIAN/md5sums"

# 4. the package
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >/dev/null
say "built $deb"
if [ "$lintian" = 1 ]; then
    command -v lintian >/dev/null || { echo "build-deb: lintian not found (apt-get install lintian)" >&2; exit 1; }
    lintian --info --display-info "$deb"
fi
