#!/usr/bin/env bash
# The vision layer's OpenCV: the official opencv-python-headless source (its PyPI sdist, pinned by SHA-256) built
# with only the modules the extract function calls (core and imgproc, and geometry and flann that imgproc needs in
# OpenCV 5) into one Python extension for python3.13. 18 MB where the wheel is 144 MB: the wheel links every
# module (dnn, video, calib, features...), FFmpeg and its codecs (~33 MB) and OpenBLAS (38 MB), which a document
# reader never calls; 144 MB alone would take the extract function past Lambda's 250 MB with any margin.
#
# Built the way the wheel is (same sources, SSE3 baseline with SSE4/AVX/AVX2/AVX-512 code chosen at run time),
# except: no Intel IPP (its binary is downloaded at configure time; this machine has no internet), no codecs or
# video (images are decoded by Pillow), libstdc++ linked statically (Debian 12's GCC 12 is newer than the
# python3.13 runtime's, Amazon Linux 2023 GCC 11) and hypotf bound to its old glibc version (glibc 2.35 added a
# new one), so the module needs only glibc <= 2.34. (libgcc stays the runtime's: linked statically, its unwinder
# would call glibc 2.35's _dl_find_object.) `make build` checks it anyway (loanpipe_infra.deploy.elf).
#
# Slow the first time (about 22 CPU-minutes: 11 on 2 idle cores), then cached: the Makefile keeps the result in a
# folder named by BUILD_ID (outside the work tree, so fresh clones on the machine share it): bump BUILD_ID when a
# change here changes what is built.
#
# usage: build-opencv.sh PYTHON3.13 OUT_DIR      (OUT_DIR/cv2.cpython-313-x86_64-linux-gnu.so when done)
set -euo pipefail
BUILD_ID=5.0.0.93-2

PY313=${1:?usage: build-opencv.sh PYTHON3.13 OUT_DIR}
OUT=${2:?usage: build-opencv.sh PYTHON3.13 OUT_DIR}
# Both as absolute paths (the build runs in its work folder; the Makefile passes the interpreter relative to the
# checkout). The interpreter's folder is made absolute, not its symlinks resolved: it is a venv's python.
PY313="$(cd "$(dirname "$PY313")" && pwd)/$(basename "$PY313")"
mkdir -p "$(dirname "$OUT")"
OUT="$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"
VERSION=5.0.0.93
SDIST=opencv_python_headless-${VERSION}.tar.gz
SDIST_SHA256=b82f9831daab90b725c7c1ee1b36cb5732c367096ac76d119e64e14eb70d5f3c
NUMPY=numpy==2.4.6
MODULE=cv2.cpython-313-x86_64-linux-gnu.so
WORK=${OPENCV_WORK:-${OUT}.work}

if [ -f "$OUT/$MODULE" ]; then exit 0; fi
"$PY313" -c 'import sys; assert sys.version_info[:2] == (3, 13), sys.version' \
    || { echo "build-opencv.sh: $PY313 is not python3.13" >&2; exit 1; }
command -v cmake >/dev/null || { echo "build-opencv.sh: needs cmake (apt-get install cmake)" >&2; exit 1; }
GENERATOR="Unix Makefiles"; command -v ninja >/dev/null && GENERATOR=Ninja

echo "building OpenCV $VERSION (core, imgproc) for python3.13 into $OUT: about 22 CPU-minutes, once per machine"
mkdir -p "$WORK"
cd "$WORK"
if [ ! -f "$SDIST" ]; then
  "$PY313" -m pip download -q --no-deps --no-binary opencv-python-headless \
      "opencv-python-headless==$VERSION" -d . 2>&1 | grep -v '^WARNING: Location' || true
fi
echo "$SDIST_SHA256  $SDIST" | sha256sum -c --quiet
[ -d "opencv_python_headless-$VERSION" ] || tar xzf "$SDIST"
[ -x py313/bin/python ] || "$PY313" -m venv py313
py313/bin/python -c 'import numpy' 2>/dev/null || py313/bin/pip install -q "$NUMPY" 2>&1 | grep -v '^WARNING: Location' || true

PYINC=$(py313/bin/python -c 'import sysconfig; print(sysconfig.get_config_var("INCLUDEPY"))')
PYLIB=$(py313/bin/python -c 'import sysconfig as s; print(s.get_config_var("LIBDIR") + "/" + s.get_config_var("LDLIBRARY"))')
NPINC=$(py313/bin/python -c 'import numpy; print(numpy.get_include())')
OFF="IPP LAPACK EIGEN OPENCL FFMPEG GSTREAMER V4L GTK QT ITT PROTOBUF OPENJPEG JPEG PNG TIFF WEBP AVIF OPENEXR
     IMGCODEC_HDR KLEIDICV FASTCV OBSENSOR VA 1394 CAROTENE FREETYPE"
mkdir -p build
cd build
# hypotf@GLIBC_2.35 -> hypotf@GLIBC_2.2.5: calls to hypotf go through this wrapper (ld --wrap).
cat >glibc-compat.c <<'EOF_C'
__asm__(".symver hypotf_glibc_2_2_5, hypotf@GLIBC_2.2.5");
float hypotf_glibc_2_2_5(float x, float y);
float __wrap_hypotf(float x, float y) { return hypotf_glibc_2_2_5(x, y); }
EOF_C
cc -O2 -fPIC -c glibc-compat.c -o glibc-compat.o
LINK="-static-libstdc++ -Wl,--wrap=hypotf $PWD/glibc-compat.o"
cmake -G "$GENERATOR" "../opencv_python_headless-$VERSION/opencv" \
  -DCMAKE_BUILD_TYPE=Release -DBUILD_LIST=core,imgproc,python3,python_bindings_generator -DBUILD_SHARED_LIBS=OFF \
  $(for feature in $OFF; do printf -- '-DWITH_%s=OFF ' "$feature"; done) \
  -DBUILD_TESTS=OFF -DBUILD_PERF_TESTS=OFF -DBUILD_EXAMPLES=OFF -DBUILD_opencv_apps=OFF -DBUILD_DOCS=OFF -DBUILD_JAVA=OFF \
  -DPYTHON3_EXECUTABLE="$WORK/py313/bin/python" -DPYTHON3_INCLUDE_PATH="$PYINC" -DPYTHON3_INCLUDE_DIR="$PYINC" \
  -DPYTHON3_LIBRARIES="$PYLIB" -DPYTHON3_LIBRARY="$PYLIB" -DPYTHON3_NUMPY_INCLUDE_DIRS="$NPINC" \
  -DCPU_BASELINE=SSE3 -DCMAKE_SHARED_LINKER_FLAGS="$LINK" -DCMAKE_MODULE_LINKER_FLAGS="$LINK" \
  -DOPENCV_SKIP_PYTHON_LOADER=ON -DOPENCV_DOWNLOAD_TRIES_LIST= >cmake.log 2>&1 \
  || { tail -30 cmake.log >&2; exit 1; }
cmake --build . --target opencv_python3 -- -j"$(nproc)" >build.log 2>&1 || { tail -30 build.log >&2; exit 1; }

mkdir -p "$OUT.tmp"
# Symbols are not needed to run; this library is ours (not an auditwheel-patched one, which strip would break).
strip --strip-unneeded -o "$OUT.tmp/$MODULE" "lib/python3/$MODULE"
PYTHONPATH="$OUT.tmp" "$WORK/py313/bin/python" -c 'import cv2; print(cv2.getBuildInformation())' \
    >"$OUT.tmp/build-information.txt"
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
echo "OpenCV $VERSION for python3.13: $OUT/$MODULE ($(du -h "$OUT/$MODULE" | cut -f1))"
