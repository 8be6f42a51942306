using System.Globalization;

namespace Nic.Cli.Eval;

/// <summary>
/// The classical codecs a learned codec is compared with, each through the command-line tools of its reference or
/// most common implementation. Every quality setting runs from low to high (more bytes as it rises). The AV1 and HEVC
/// codecs keep full-resolution chroma (4:4:4), as rate–distortion comparisons in RGB PSNR usually do; JPEG and WebP use
/// their tools' default 4:2:0 (lossy WebP has no other).
/// </summary>
internal static class ClassicalCodecs
{
    /// <summary>JPEG through libjpeg-turbo: <c>cjpeg -quality Q -optimize</c> (4:2:0, optimized Huffman tables), <c>djpeg -ppm</c>.</summary>
    public static ClassicalCodec Jpeg { get; } = new(
        "jpeg",
        "cjpeg",
        "djpeg",
        ".ppm",
        ".jpg",
        ".ppm",
        (1, 100),
        [5, 10, 20, 35, 50, 70, 85, 95],
        (quality, input, coded) => ["-quality", Text(quality), "-optimize", "-outfile", coded, input],
        (coded, decoded) => ["-ppm", "-outfile", decoded, coded]);

    /// <summary>WebP through libwebp: <c>cwebp -q Q -m 6</c> (slowest, best method), <c>dwebp -ppm</c>.</summary>
    public static ClassicalCodec WebP { get; } = new(
        "webp",
        "cwebp",
        "dwebp",
        ".png",
        ".webp",
        ".ppm",
        (0, 100),
        [5, 20, 40, 60, 75, 85, 92, 97],
        (quality, input, coded) => ["-quiet", "-q", Text(quality), "-m", "6", input, "-o", coded],
        (coded, decoded) => ["-quiet", coded, "-ppm", "-o", decoded]);

    /// <summary>
    /// AVIF through libavif (avifenc 0.11 has no quality option): quality Q in 0–100 becomes the fixed AV1 quantizer
    /// round((100 − Q)·63 / 100), passed as <c>--min</c> and <c>--max</c>, with <c>-s 6 -y 444</c>; <c>avifdec</c> to PNG.
    /// </summary>
    public static ClassicalCodec Avif { get; } = new(
        "avif",
        "avifenc",
        "avifdec",
        ".png",
        ".avif",
        ".png",
        (0, 100),
        [30, 45, 55, 65, 75, 83, 90, 93],
        (quality, input, coded) =>
        {
            string quantizer = Text(AvifQuantizer(quality));
            return ["-s", "6", "-y", "444", "--min", quantizer, "--max", quantizer, input, coded];
        },
        (coded, decoded) => [coded, decoded]);

    /// <summary>JPEG XL through libjxl 0.7: <c>cjxl -q Q -e 7</c> (quality mapped to a Butteraugli distance by cjxl), <c>djxl</c> to PPM.</summary>
    public static ClassicalCodec JpegXl { get; } = new(
        "jxl",
        "cjxl",
        "djxl",
        ".png",
        ".jxl",
        ".ppm",
        (0, 100),
        [10, 30, 50, 65, 75, 85, 92, 97],
        (quality, input, coded) => [input, coded, "-q", Text(quality), "-e", "7"],
        (coded, decoded) => [coded, decoded]);

    /// <summary>HEIC (HEVC in HEIF) through libheif with x265: <c>heif-enc -q Q -p chroma=444</c>, <c>heif-convert</c> to PNG.</summary>
    public static ClassicalCodec Heic { get; } = new(
        "heic",
        "heif-enc",
        "heif-convert",
        ".png",
        ".heic",
        ".png",
        (0, 100),
        [20, 30, 40, 48, 55, 62, 68, 74],
        (quality, input, coded) => ["-q", Text(quality), "-p", "chroma=444", "-o", coded, input],
        (coded, decoded) => ["--quiet", coded, decoded]);

    /// <summary>Every codec, in the order of the comparison tables: jpeg, webp, avif, jxl, heic.</summary>
    public static IReadOnlyList<ClassicalCodec> All { get; } = [Jpeg, WebP, Avif, JpegXl, Heic];

    /// <summary>The codec named <paramref name="name"/> (ignoring case), or null.</summary>
    public static ClassicalCodec? Find(string name) => All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The AV1 quantizer (0 lossless … 63 coarsest) that stands for a quality setting of 0–100.</summary>
    public static int AvifQuantizer(int quality) => ((100 - quality) * 63 + 50) / 100;

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
