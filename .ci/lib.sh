# Shared by .ci/run and .ci/qemu-e2e: the installs (see shared TOOLCHAIN.md for each recipe).
# Source it; it expects `set -euo pipefail` and sets nothing else up.

export DEBIAN_FRONTEND=noninteractive

THUMB=thumbv7em-none-eabihf
# Cargo used for the Cortex-M builds: rustup's, or Debian's if the rustup target is unavailable.
CROSS_CARGO=(cargo)
CROSS_FLAGS=()

APT_UPDATED=0
apt_update_once() {
    if [[ $APT_UPDATED == 0 ]]; then
        apt-get update -q
        APT_UPDATED=1
    fi
}

apt_install() {
    apt_update_once
    apt-get install -y -q --no-install-recommends "$@"
}

ensure_rust_components() {
    rustup component add rustfmt clippy
}

# Rustup's target (seconds); otherwise Debian's rustc-web with -Zbuild-std=core.
ensure_thumb_target() {
    if timeout 300 rustup target add "$THUMB"; then
        CROSS_CARGO=(cargo)
        CROSS_FLAGS=()
        return
    fi
    echo "rustup target add failed; falling back to Debian's rustc-web (-Zbuild-std=core)"
    apt_install rustc-web cargo-web rust-web-src rust-web-llvm lld-22
    # RUSTC must be named, or Debian's cargo runs rustup's rustc.
    CROSS_CARGO=(env RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc /usr/bin/cargo)
    CROSS_FLAGS=(-Zbuild-std=core)
}

enable_bookworm_backports() {
    local src=/etc/apt/sources.list.d/debian.sources
    if grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
        return
    fi
    sed -i 's/^Suites: bookworm bookworm-updates$/Suites: bookworm bookworm-updates bookworm-backports/' "$src"
    if ! grep -qs bookworm-backports "$src"; then
        echo "cannot enable bookworm-backports in $src" >&2
        return 1
    fi
    APT_UPDATED=0
}

# From bookworm-backports: bookworm's own 7.2 would remove the preinstalled qemu-utils 10.0.
ensure_qemu() {
    if command -v qemu-system-arm >/dev/null; then
        return
    fi
    enable_bookworm_backports
    apt_update_once
    apt-get install -y -q --no-install-recommends -t bookworm-backports qemu-system-arm
}

# For the flash and RAM figures of the firmwares.
ensure_arm_size() {
    command -v arm-none-eabi-size >/dev/null || apt_install binutils-arm-none-eabi
}
