#!/usr/bin/env bash
# Install Debian's chromium and its chromedriver for the browser tests
# (tests/test_html_browser.py) and scripts/screenshot.py, only when missing.
# Idempotent: with both present it does nothing and touches no network.
# No browser is downloaded from anywhere but the distribution's archive.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-browser: chromium and chromedriver already installed"
    exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
fi
echo "install-browser: installing ${missing[*]} with apt-get"
"${sudo[@]}" apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
