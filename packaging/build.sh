#!/usr/bin/env bash
# Build the Linux one-folder bundle (dist/MuralStudio/) and run its self-test headless.
#   bash packaging/build.sh
# Uses its own virtual environment (build/pyinstaller-venv) with the CPU build of torch, so it
# works on a fresh machine with one command. Prints the bundle size and the self-test time.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=build/pyinstaller-venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
. "$VENV/bin/activate"
python -m pip install --quiet --upgrade pip
# the CPU build of torch (PyPI's Linux build brings several GB of CUDA libraries); a machine
# without network that has the CPU wheel on disk runs this with TORCH_INDEX= (empty)
TORCH_INDEX=${TORCH_INDEX-https://download.pytorch.org/whl/cpu}
python -m pip install --quiet torch==2.13.0 ${TORCH_INDEX:+--extra-index-url "$TORCH_INDEX"} "$ROOT" "pyinstaller>=6.3"

start=$(date +%s)
pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
    packaging/muralstudio.spec
echo "build: $(( $(date +%s) - start )) s"
echo "bundle: dist/MuralStudio, $(du -sh dist/MuralStudio | cut -f1) ($(find dist/MuralStudio -type f | wc -l) files)"

# the frozen self-test, from outside the checkout so nothing is picked up from the sources
cd /tmp
start=$(date +%s.%N)
QT_QPA_PLATFORM=offscreen "$ROOT/dist/MuralStudio/muralstudio-cli" --selftest
echo "frozen self-test: $(python -c "print(round($(date +%s.%N) - $start, 1))") s"
