#!/usr/bin/env bash
# The Bicep CLI, wherever it can be found, behind one small interface:
#
#   scripts/bicep.sh build FILE OUTFILE     compile FILE to ARM JSON (diagnostics on stderr)
#   scripts/bicep.sh build-all DIR OUTDIR   compile every .bicep under DIR into OUTDIR (same layout)
#   scripts/bicep.sh lint FILE              lint FILE with the nearest bicepconfig.json
#   scripts/bicep.sh lint-all DIR           lint every .bicep under DIR
#   scripts/bicep.sh version                print which Bicep runs and where it came from
# Diagnostics go to stderr as `file(line,col) : Warning|Error code: message`; warnings do not change
# the exit code (scripts/infra-check.js counts them).
#
# Looked for in this order, first hit wins:
#   1. $BICEP_PATH (an explicit binary)
#   2. `bicep` on the PATH
#   3. `az bicep` (the copy the Azure CLI manages)
#   4. the NuGet package Azure.Bicep.CommandLine.<rid> restored with `dotnet` into
#      .cache/bicep/ (git-ignored): the development machines and CI have the .NET SDK and a NuGet feed.
# Otherwise it stops with a message saying how to get one. Version of the NuGet fallback:
# $BICEP_VERSION (default below, known to restore here).
set -euo pipefail

BICEP_VERSION="${BICEP_VERSION:-0.49.2}"
root=$(cd "$(dirname "$0")/.." && pwd)
cache="${BICEP_CACHE_DIR:-$root/.cache/bicep}"

die() {
    echo "bicep.sh: $*" >&2
    exit 2
}

runtime_id() {
    case "$(uname -s)-$(uname -m)" in
        Linux-x86_64) echo linux-x64 ;;
        Linux-aarch64 | Linux-arm64) echo linux-arm64 ;;
        Darwin-x86_64) echo osx-x64 ;;
        Darwin-arm64) echo osx-arm64 ;;
        *) die "no Bicep NuGet package for $(uname -s) $(uname -m); install Bicep (https://aka.ms/bicep-install) or set BICEP_PATH" ;;
    esac
}

# Restores Azure.Bicep.CommandLine.<rid> with a throw-away project that only downloads the package
# (PackageDownload: nothing is built or referenced), then prints the binary's path.
nuget_bicep() {
    local rid package dir binary tfm
    rid=$(runtime_id)
    package="Azure.Bicep.CommandLine.$rid"
    dir="$cache/$BICEP_VERSION"
    binary="$dir/packages/$(echo "$package" | tr '[:upper:]' '[:lower:]')/$BICEP_VERSION/tools/bicep"
    if [ ! -x "$binary" ]; then
        command -v dotnet >/dev/null 2>&1 || return 1
        # Any framework the installed SDK knows will do for a download-only restore.
        tfm="net$(dotnet --version | cut -d. -f1).0"
        mkdir -p "$dir"
        cat >"$dir/restore-bicep.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>$tfm</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="$package" Version="[$BICEP_VERSION]" />
  </ItemGroup>
</Project>
EOF
        echo "bicep.sh: restoring NuGet package $package $BICEP_VERSION into ${dir#"$root"/} (once)" >&2
        dotnet restore "$dir/restore-bicep.csproj" --packages "$dir/packages" --nologo -v quiet >&2 ||
            die "dotnet restore of $package $BICEP_VERSION failed (is a NuGet feed reachable?)"
        [ -f "$binary" ] || die "restored $package but found no tools/bicep in it"
        chmod +x "$binary"
    fi
    echo "$binary"
}

# Sets `mode` (binary | az) and `binary`.
resolve() {
    if [ -n "${BICEP_PATH:-}" ]; then
        [ -x "$BICEP_PATH" ] || die "BICEP_PATH=$BICEP_PATH is not an executable"
        mode=binary binary=$BICEP_PATH source_of="BICEP_PATH"
    elif command -v bicep >/dev/null 2>&1; then
        mode=binary binary=$(command -v bicep) source_of="PATH"
    elif command -v az >/dev/null 2>&1 && az bicep version >/dev/null 2>&1; then
        mode=az binary=az source_of="az bicep"
    elif binary=$(nuget_bicep); then
        mode=binary source_of="NuGet Azure.Bicep.CommandLine $BICEP_VERSION"
    else
        die "no Bicep CLI: not on the PATH, no 'az bicep', and no 'dotnet' to restore the NuGet package Azure.Bicep.CommandLine.$(runtime_id). Install one of them (https://aka.ms/bicep-install, or the .NET SDK) or set BICEP_PATH."
    fi
}

command=${1:-}
[ -n "$command" ] || die "usage: bicep.sh build FILE OUTFILE | build-all DIR OUTDIR | lint FILE | lint-all DIR | version"
shift
resolve

case "$command" in
    build)
        [ $# -eq 2 ] || die "usage: bicep.sh build FILE OUTFILE"
        if [ "$mode" = az ]; then exec az bicep build --file "$1" --outfile "$2"; fi
        exec "$binary" build "$1" --outfile "$2"
        ;;
    build-all)
        [ $# -eq 2 ] || die "usage: bicep.sh build-all DIR OUTDIR"
        if [ "$mode" = az ]; then
            status=0
            while IFS= read -r file; do
                out="$2/${file#"$1"/}"
                mkdir -p "$(dirname "$out")"
                az bicep build --file "$file" --outfile "${out%.bicep}.json" || status=1
            done < <(find "$1" -name '*.bicep' | sort)
            exit $status
        fi
        exec "$binary" build --pattern "$1/**/*.bicep" --outdir "$2"
        ;;
    lint-all)
        [ $# -eq 1 ] || die "usage: bicep.sh lint-all DIR"
        if [ "$mode" = az ]; then
            status=0
            while IFS= read -r file; do az bicep lint --file "$file" || status=1; done < <(find "$1" -name '*.bicep' | sort)
            exit $status
        fi
        exec "$binary" lint --pattern "$1/**/*.bicep"
        ;;
    lint)
        [ $# -eq 1 ] || die "usage: bicep.sh lint FILE"
        if [ "$mode" = az ]; then exec az bicep lint --file "$1"; fi
        exec "$binary" lint "$1"
        ;;
    version)
        if [ "$mode" = az ]; then echo "$(az bicep version 2>&1 | head -n 1) (from $source_of)"; exit 0; fi
        echo "$("$binary" --version) (from $source_of: $binary)"
        ;;
    *) die "unknown command '$command' (build, build-all, lint, lint-all, version)" ;;
esac
