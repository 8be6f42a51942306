using System.Diagnostics;
using Nic.Codec.Catalog;
using Nic.Codec.Imaging;
using Nic.Codec;

namespace Nic.Cli.Eval;

/// <summary>
/// Runs every image through every rate point of the Nic model families and every quality of the classical codecs, and
/// measures bits per pixel (of the whole file) and RGB PSNR per image; curves average both over the images.
/// </summary>
internal static class RdEvaluation
{
    public static async Task<IReadOnlyList<RdCurve>> RunAsync(
        NicCodec codec,
        IReadOnlyList<EvalImage> images,
        IReadOnlyList<string> families,
        IReadOnlyList<double> qualities,
        IReadOnlyList<ClassicalCodec> classical,
        Action<string>? progress,
        CancellationToken cancellationToken,
        IReadOnlyList<int>? efforts = null)
    {
        efforts ??= [NicEncodeOptions.MinEffort];
        var curves = new List<RdCurve>();
        foreach (string family in families)
        foreach (int effort in efforts)
        {
            NicModelEntry[] members = codec.Catalog.Models.Where(m => m.Family == family).OrderBy(m => m.RatePoint).ToArray();
            if (members.Length == 0)
            {
                codec.Catalog.Find(family);
            }

            // At the trained points, or at the qualities asked for (interpolated within a variable-rate family).
            (string Label, int Quality, double? NicQuality, NicEncodeOptions Options)[] settings = qualities.Count == 0
                ? [.. members.Select(m => (m.Name, m.RatePoint, (double?)null, new NicEncodeOptions { Model = m.Name }))]
                : [.. qualities.Select(q => ($"{family} q{q.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)}", (int)Math.Round(q), (double?)q, new NicEncodeOptions { Model = family, Quality = q }))];
            var points = new List<RdCurvePoint>();
            foreach ((string label, int quality, double? nicQuality, NicEncodeOptions options) in settings)
            {
                var measurements = new List<RdMeasurement>();
                foreach (EvalImage image in images)
                {
                    progress?.Invoke(effort == NicEncodeOptions.MinEffort ? $"{label} on {image.Name}" : $"{label} effort {effort} on {image.Name}");
                    NicEncodeOptions encode = options with { Effort = effort };
                    var watch = Stopwatch.StartNew();
                    byte[] file = await Task.Run(() => codec.Encode(image.Image, encode, cancellationToken), cancellationToken).ConfigureAwait(false);
                    double encodeSeconds = watch.Elapsed.TotalSeconds;
                    watch.Restart();
                    RgbImage decoded = await codec.DecodeAsync(file, cancellationToken).ConfigureAwait(false);
                    double decodeSeconds = watch.Elapsed.TotalSeconds;
                    measurements.Add(new RdMeasurement(image.Name, file.Length, file.Length * 8.0 / image.Image.PixelCount, ImageQuality.Psnr(image.Image, decoded), encodeSeconds, decodeSeconds));
                }

                points.Add(new RdCurvePoint(quality, label, measurements, nicQuality));
            }

            curves.Add(new RdCurve(efforts.Count == 1 && effort == NicEncodeOptions.MinEffort ? family : $"{family} effort {effort}", "nic", points, family, effort));
        }

        foreach (ClassicalCodec tool in classical)
        {
            var points = new List<RdCurvePoint>();
            foreach (int quality in tool.DefaultQualities)
            {
                var measurements = new List<RdMeasurement>();
                foreach (EvalImage image in images)
                {
                    progress?.Invoke($"{tool.Name} q{quality} on {image.Name}");
                    ClassicalCodecResult result = await tool.CompressAsync(image.Image, quality, cancellationToken).ConfigureAwait(false);
                    measurements.Add(new RdMeasurement(image.Name, result.Bytes, result.Bpp, result.PsnrDb, result.EncodeSeconds, double.NaN));
                }

                points.Add(new RdCurvePoint(quality, null, measurements));
            }

            curves.Add(new RdCurve(tool.Name, "classical", points));
        }

        return curves;
    }

    /// <summary>
    /// The BD-rate of every Nic curve against every classical curve, and of every Nic curve of a higher effort against
    /// the lowest effort of its family, in percent (negative: the test needs fewer bits).
    /// </summary>
    public static IReadOnlyList<(string Test, string Anchor, double? Percent)> BdRates(IReadOnlyList<RdCurve> curves) =>
        [.. from test in curves where test.Kind == "nic"
            from anchor in curves where anchor.Kind == "classical"
            select (test.Name, anchor.Name, BjontegaardDelta.Rate(anchor.MeanPoints, test.MeanPoints)),
         .. from test in curves where test.Kind == "nic"
            let anchor = curves.Where(c => c.Kind == "nic" && c.Family == test.Family).MinBy(c => c.Effort)
            where anchor is not null && anchor.Effort < test.Effort
            select (test.Name, anchor.Name, BjontegaardDelta.Rate(anchor.MeanPoints, test.MeanPoints))];
}
