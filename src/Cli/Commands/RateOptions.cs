using System.CommandLine;
using System.Globalization;
using Nic.Codec;
using Nic.Codec.Catalog;
using Nic.Codec.Models;

namespace Nic.Cli.Commands;

/// <summary>
/// The options of the commands that encode which choose the rate: <c>--quality Q</c> (0–100 on Nic's scale, one scale for
/// every family), <c>--rate-point K</c> (a trained point), and, where a single image is encoded, <c>--target-bpp</c>,
/// <c>--target-size</c> and <c>--target-psnr</c>. A value the family cannot take is a bad option (exit 1, with the valid
/// range), not a missing model (exit 3, which says an install is incomplete).
/// </summary>
internal sealed class RateOptions
{
    private readonly bool _targets;

    public RateOptions(bool targets)
    {
        _targets = targets;
        TargetBpp = new Option<double?>("--target-bpp") { Description = "Encode at the highest rate whose file is at most this many bits per pixel (searched with real encodes)." };
        TargetSize = new Option<long?>("--target-size") { Description = "Encode at the highest rate whose file is at most this many bytes (searched with real encodes)." };
        TargetPsnr = new Option<double?>("--target-psnr") { Description = "Encode at the lowest rate whose decoded image reaches this RGB PSNR in dB (searched with real encodes and decodes)." };
    }

    public Option<double?> Quality { get; } = new("--quality", "-q")
    {
        Description = "Quality 0–100, the same scale for every family (λ = 0.0018·100^(Q/100)); a variable-rate family interpolates between its trained points.",
    };

    public Option<int?> RatePoint { get; } = new("--rate-point") { Description = "A trained rate point of the model's family (`nic models` lists them)." };

    public Option<double?> TargetBpp { get; }

    public Option<long?> TargetSize { get; }

    public Option<double?> TargetPsnr { get; }

    public void AddTo(Command command)
    {
        command.Options.Add(Quality);
        command.Options.Add(RatePoint);
        if (_targets)
        {
            command.Options.Add(TargetBpp);
            command.Options.Add(TargetSize);
            command.Options.Add(TargetPsnr);
        }
    }

    /// <summary>The encode options these flags give; <see cref="ArgumentException"/> naming the flags when they conflict or are out of range.</summary>
    public NicEncodeOptions Build(ParseResult result, string? model)
    {
        double? quality = result.GetValue(Quality);
        int? ratePoint = result.GetValue(RatePoint);
        NicRateTarget? target = null;
        var chosen = new List<string>();
        if (quality is not null)
        {
            chosen.Add("--quality");
        }

        if (ratePoint is not null)
        {
            chosen.Add("--rate-point");
        }

        if (_targets)
        {
            if (result.GetValue(TargetBpp) is double bpp)
            {
                chosen.Add("--target-bpp");
                target = bpp > 0 && double.IsFinite(bpp) ? NicRateTarget.BitsPerPixel(bpp) : throw new ArgumentException($"--target-bpp must be a positive number, not {bpp}");
            }

            if (result.GetValue(TargetSize) is long size)
            {
                chosen.Add("--target-size");
                target = size > 0 ? NicRateTarget.Bytes(size) : throw new ArgumentException($"--target-size must be a positive number of bytes, not {size}");
            }

            if (result.GetValue(TargetPsnr) is double psnr)
            {
                chosen.Add("--target-psnr");
                target = psnr > 0 && double.IsFinite(psnr) ? NicRateTarget.PsnrDb(psnr) : throw new ArgumentException($"--target-psnr must be a positive number of dB, not {psnr}");
            }
        }

        if (chosen.Count > 1)
        {
            throw new ArgumentException($"{string.Join(" and ", chosen)} each choose the rate: give one");
        }

        if (quality is double q && !(q >= 0 && q <= 100))
        {
            throw new ArgumentException($"--quality must be a number from 0 to 100, not {q.ToString(CultureInfo.InvariantCulture)}");
        }

        return new NicEncodeOptions { Model = model, Quality = quality, RatePoint = ratePoint, Target = target };
    }

    /// <summary>
    /// Checks the options against the family: a rate point it does not have is an <see cref="ArgumentException"/> naming the
    /// flag and its points; a quality beyond its trained λ gives a note (the nearest end is used).
    /// </summary>
    /// <returns>Notes for standard error; empty when there is nothing to say.</returns>
    public static List<string> Check(NicCodec codec, NicEncodeOptions options)
    {
        var notes = new List<string>();
        string model = options.Model ?? codec.Options.DefaultModel;
        IReadOnlyList<NicModelEntry> family = codec.Catalog.Family(model);
        if (options.RatePoint is int point)
        {
            int[] points = [.. family.Select(m => m.RatePoint).Distinct()];
            if (points.Length > 0 && !points.Contains(point))
            {
                throw new ArgumentException($"--rate-point {point} is not a rate point of family '{family[0].Family}': use {Describe(points)}");
            }
        }

        if (options.Quality is double quality && family.Count > 0)
        {
            double low = NicModelFamily.QualityForLambda(family.Min(m => m.File.Lambda));
            double high = NicModelFamily.QualityForLambda(family.Max(m => m.File.Lambda));
            string name = family[0].Family;
            if (quality < low - 1e-9)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"note: quality {quality} is below what family '{name}' was trained for (qualities {low:F1}–{high:F1}); its lowest point is used"));
            }
            else if (quality > high + 1e-9)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"note: quality {quality} is above what family '{name}' was trained for (qualities {low:F1}–{high:F1}); its highest point is used"));
            }
        }

        return notes;
    }

    /// <summary>"1–6" for consecutive points, else the list.</summary>
    private static string Describe(int[] points) =>
        points.Length > 1 && points[^1] - points[0] == points.Length - 1 ? $"{points[0]}–{points[^1]}" : string.Join(", ", points);
}
