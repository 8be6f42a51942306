using Nic.Codec.Catalog;
using Nic.Codec.Imaging;
using Nic.Codec.Models;
using Nic.Format;

namespace Nic.Codec.Pipeline;

/// <summary>
/// Meets a <see cref="NicRateTarget"/> by a bracketing search over the rates of the chosen model's family, with real
/// encodes (and, for a PSNR target, real decodes): for a variable-rate family every rate position (steps of 1/64 between
/// its trained points), else its fixed-rate points. The file's size and its decoded PSNR rise with the position, so the
/// largest position within a size target, or the smallest that reaches a PSNR target, lies in a bracket that every
/// encode narrows. The next position is interpolated from the bracket's ends (the logarithm of the size, or the PSNR,
/// is close to linear in the position), and is the bracket's middle instead whenever the last two steps moved the
/// same end (so the search never takes more than about twice bisection's log₂(positions) + 2 encodes, and usually
/// takes 4–6); each position is encoded at most once.
/// </summary>
internal static class RateSearch
{
    internal sealed record Outcome(int Encodes, bool Met, double? PsnrDb);

    public static (NicFile Coded, byte[] File, CodecModel Model, Outcome Search) Run(
        NicCodec codec, NicModelEntry start, RgbImage image, NicRateTarget target, int bandRows, NicEncodeOptions? options, CancellationToken cancellationToken)
    {
        NicModelCatalog catalog = codec.Catalog;
        NicModelFamily? family = catalog.FindFamily(start.Family);
        NicModelFile[] points = family is null ? [.. catalog.Family(start.Family).Select(m => m.File).OrderBy(f => f.Lambda)] : [];
        int count = family is null ? points.Length : (family.MaxPosition * NicModelFamily.StepsPerInterval) + 1;
        NicModelFile ModelAt(int j) => family is null ? points[j] : catalog.AtPosition(family, j / (double)NicModelFamily.StepsPerInterval).File;

        var tried = new Dictionary<int, (NicFile Coded, byte[] File, CodecModel Model, double Psnr)>();
        (NicFile Coded, byte[] File, CodecModel Model, double Psnr) At(int j)
        {
            if (!tried.TryGetValue(j, out var result))
            {
                CodecModel model = codec.GetModel(ModelAt(j));
                (NicFile coded, byte[] file, _, _) = codec.EncodeWith(model, image, bandRows, options, cancellationToken);
                double psnr = double.NaN;
                if (target.Kind == NicRateTargetKind.PsnrDb)
                {
                    RgbImage decoded = codec.DecodeAsync(file, cancellationToken).GetAwaiter().GetResult();
                    psnr = ImageQuality.Psnr(image, decoded);
                }

                result = (coded, file, model, psnr);
                tried[j] = result;
            }

            return result;
        }

        double pixels = (double)image.Width * image.Height;
        bool Meets(int j) => target.Kind switch
        {
            NicRateTargetKind.BitsPerPixel => At(j).File.Length * 8.0 / pixels <= target.Value,
            NicRateTargetKind.Bytes => At(j).File.Length <= target.Value,
            _ => At(j).Psnr >= target.Value,
        };

        // What the interpolation works on: the logarithm of the size (close to linear in the position), or the PSNR.
        double Measure(double value) => target.Kind == NicRateTargetKind.PsnrDb ? value : Math.Log(Math.Max(value, 1e-9));
        double Measured(int j) => target.Kind switch
        {
            NicRateTargetKind.BitsPerPixel => Measure(At(j).File.Length * 8.0 / pixels),
            NicRateTargetKind.Bytes => Measure(At(j).File.Length),
            _ => At(j).Psnr,
        };

        // Size targets hold at low positions: the answer is the last position that meets them. A PSNR target holds at
        // high positions: the first that meets it. An unreachable target gives the nearest end.
        bool sizeTarget = target.Kind != NicRateTargetKind.PsnrDb;
        int low = 0, high = count - 1, answer;
        if (sizeTarget ? !Meets(low) : !Meets(high))
        {
            answer = sizeTarget ? low : high;
        }
        else if (sizeTarget ? Meets(high) : Meets(low))
        {
            answer = sizeTarget ? high : low;
        }
        else
        {
            // Invariant: Meets(low) != Meets(high), with the meeting side at low for size targets and at high for PSNR.
            double goal = Measure(target.Value);
            int movedLow = 0, movedHigh = 0;
            while (high - low > 1)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int middle = low + ((high - low) / 2);
                if (movedLow < 2 && movedHigh < 2)
                {
                    double atLow = Measured(low), atHigh = Measured(high);
                    double estimate = low + ((goal - atLow) * (high - low) / (atHigh - atLow));
                    estimate = double.IsFinite(estimate) ? estimate : middle;
                    middle = (int)Math.Clamp(sizeTarget ? Math.Floor(estimate) : Math.Ceiling(estimate), low + 1, high - 1);
                }
                else
                {
                    (movedLow, movedHigh) = (0, 0);
                }

                if (Meets(middle) == sizeTarget)
                {
                    low = middle;
                    (movedLow, movedHigh) = (movedLow + 1, 0);
                }
                else
                {
                    high = middle;
                    (movedLow, movedHigh) = (0, movedHigh + 1);
                }
            }

            answer = sizeTarget ? low : high;
        }

        var best = At(answer);
        return (best.Coded, best.File, best.Model, new Outcome(tried.Count, Meets(answer), target.Kind == NicRateTargetKind.PsnrDb ? best.Psnr : null));
    }
}
