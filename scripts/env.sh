# Sourced by the scripts: one ccache set-up for every build tree. Paths relative to the checkout
# (and no build directory in the hash), so a clone in another folder reuses earlier compiles.
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-8G}"
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
jobs=${AWSMP_JOBS:-$(nproc)}
