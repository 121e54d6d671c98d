#!/usr/bin/env bash
# Generated clients from the COMMITTED OpenAPI document (openapi/openapi.json):
#   clients/python/              openapi-python-client (pinned in the dev lock): an installable
#                                package (setup.py; `pip install clients/python`), tco_client/
#   clients/ts/schema.d.ts       openapi-typescript (pinned in tools/ts/package-lock.json)
# Idempotent and fast when nothing changed: the npm tools are installed only when the lock file
# changed, and the clients are regenerated only when the document, the config or a generator
# changed. A lock serialises concurrent runs (pytest workers); clients are generated in a work
# directory and moved into clients/ whole, so a failed run leaves no half-written client.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
spec=openapi/openapi.json
py_config=tools/openapi-python-client.yaml
ts_dir=tools/ts
export PATH="$root/.venv/bin:$PATH"  # the generator's ruff post-hooks

[ -f "$spec" ] || { echo "make_clients: $spec is missing (run: make openapi)" >&2; exit 1; }
mkdir -p clients
exec 9>clients/.lock
flock 9

# npm ci wipes node_modules, so run it only when the lock file is newer than the last install.
if [ ! -f "$ts_dir/node_modules/.tco-installed" ] \
  || [ "$ts_dir/package-lock.json" -nt "$ts_dir/node_modules/.tco-installed" ]; then
  npm ci --prefix "$ts_dir" --no-audit --no-fund --loglevel=error
  touch "$ts_dir/node_modules/.tco-installed"
fi

fingerprint=$(
  {
    cat "$spec" "$py_config" "$ts_dir/package-lock.json" scripts/make_clients.sh
    openapi-python-client --version
  } | sha256sum | cut -d' ' -f1
)
if [ -f clients/.fingerprint ] && [ "$(cat clients/.fingerprint)" = "$fingerprint" ] \
  && [ -f clients/python/setup.py ] && [ -f clients/ts/schema.d.ts ]; then
  echo "make_clients: clients/ up to date with $spec"
  exit 0
fi

work=$(mktemp -d "$root/clients/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
# --meta setup: a setuptools project around the package, so `pip install clients/python` works
# with nothing but pip (no poetry/pdm/uv build backend to fetch).
openapi-python-client generate --path "$spec" --config "$py_config" --meta setup \
  --output-path "$work/python" --overwrite >/dev/null
rm -rf "$work/python/.ruff_cache"
"$ts_dir/node_modules/.bin/openapi-typescript" "$spec" --default-non-nullable=false \
  --output "$work/schema.d.ts" >/dev/null

mkdir -p clients/ts
rm -rf clients/python.old
[ -d clients/python ] && mv clients/python clients/python.old
mv "$work/python" clients/python
rm -rf clients/python.old
mv "$work/schema.d.ts" clients/ts/schema.d.ts
echo "$fingerprint" > clients/.fingerprint
echo "make_clients: clients/python (package tco-client) and clients/ts/schema.d.ts generated from $spec"
