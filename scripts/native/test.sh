#!/usr/bin/env bash
# CI native lane: the training, graph-step and evaluation tests, and notebook 04 in quick mode, on native TensorFlow (tfjs-node).
#
# Builds (or reuses) the tfjs-node package from scripts/native/build.sh and puts its folder on NODE_PATH for this
# script's processes only: require('@tensorflow/tfjs-node') then finds it exactly as in node_modules, while the
# project's node_modules stays as `npm install` left it (no cleanup needed, even if the lane is killed). tfjs-node's
# own require('@tensorflow/tfjs') falls through to the project's copy, the one our code registers backends with.
# Run after `npm run build` (the notebook imports dist/). Extra arguments replace the default test paths.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
started=$SECONDS

modules="$(scripts/native/build.sh)"
export NODE_PATH="$modules:$PWD/node_modules${NODE_PATH:+:$NODE_PATH}"
export TFJS_BACKEND=tensorflow # every initBackend() in the lane must start native TensorFlow or fail
export NATIVE_LANE=1           # un-skips test/native, which asserts the above
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-1}" # TensorFlow's start-up notices (oneDNN, CPU features)

if [[ ! -f dist/src/index.js ]]; then
  echo '[native lane] dist/ missing: building it for the notebook' >&2
  npm run build --silent
fi

# test/backend is left out: it tests the choice between backends with fixtures and forces wasm or cpu itself.
paths=("$@")
if [[ ${#paths[@]} -eq 0 ]]; then paths=(test/native test/graph test/train test/models test/sgd test/notebooks/04_cnn.test.ts); fi
echo "[native lane] TFJS_BACKEND=tensorflow, tfjs-node from $modules" >&2
npx vitest run "${paths[@]}"
echo "[native lane] passed in $((SECONDS - started)) s" >&2
