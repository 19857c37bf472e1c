#!/usr/bin/env bash
# Install the Debian programs the tests drive, only those missing:
#   chromium + chromium-driver  the HTML pages (review page, eval report) in a real browser
#   omegat                      the OmegaT project route, in console mode
#   libreoffice-calc-nogui      the XLSX read back by LibreOffice Calc, headless
# Idempotent: with everything present it does nothing and touches no network.
# Nothing is downloaded from anywhere but the distribution's archive.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v omegat >/dev/null 2>&1 || missing+=(omegat)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-tools: chromium, chromedriver, omegat and libreoffice already installed"
    exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
fi
echo "install-tools: installing ${missing[*]} with apt-get"
"${sudo[@]}" apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
