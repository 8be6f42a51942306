using System.Globalization;
using Nic.Torch.Training;

namespace Nic.Torch.Cli.Training;

/// <summary>
/// The training progress line on stderr: steps, a bar, rate, distortion, loss, steps per second and the time left.
/// On a terminal it redraws one line at most four times a second; otherwise it prints a line every
/// <see cref="LogEvery"/> steps so that logs stay readable.
/// </summary>
internal sealed class ProgressBar(TextWriter error, bool interactive, string rateUnit, string distortionName, int logEvery = 100) : IImageTrainingObserver
{
    private const int Width = 24;
    private DateTime _lastDraw = DateTime.MinValue;

    /// <summary>Steps between lines when not on a terminal.</summary>
    public int LogEvery { get; } = logEvery;

    public void DataLoaded(int trainingPhotos, int validationCrops, TimeSpan elapsed) =>
        Line($"data: {trainingPhotos} training photos (all downscales), {validationCrops} validation crops, decoded in {elapsed.TotalSeconds:F1} s");

    public void Resumed(long step) => Line($"resumed from the checkpoint at step {step}");

    public void Stepped(TrainingProgress p, long totalSteps)
    {
        bool last = p.Step >= totalSteps;
        if (interactive)
        {
            DateTime now = DateTime.UtcNow;
            if (!last && (now - _lastDraw).TotalMilliseconds < 250)
            {
                return;
            }

            _lastDraw = now;
            error.Write("\r" + Format(p, totalSteps) + "   ");
            if (last)
            {
                error.WriteLine();
            }
        }
        else if (p.Step % LogEvery == 0 || last)
        {
            error.WriteLine(Format(p, totalSteps));
        }
    }

    public void Validated(long step, ValidationResult result, double psnr) =>
        Line(string.Create(CultureInfo.InvariantCulture, $"validation at step {step}: {result.Rate:F4} {rateUnit}, {distortionName} {result.Distortion:F4}{(double.IsNaN(psnr) ? string.Empty : $" ({psnr:F2} dB)")}, loss {result.Loss:F4} ({result.Count} examples)"));

    public void Line(string text)
    {
        if (interactive)
        {
            error.Write("\r" + new string(' ', 118) + "\r");
        }

        error.WriteLine(text);
    }

    internal string Format(TrainingProgress p, long totalSteps)
    {
        double fraction = totalSteps == 0 ? 1 : Math.Clamp((double)p.Step / totalSteps, 0, 1);
        int filled = (int)Math.Round(fraction * Width);
        string bar = new string('#', filled) + new string('.', Width - filled);
        double remaining = p.StepsPerSecond > 0 ? (totalSteps - p.Step) / p.StepsPerSecond : double.NaN;
        string eta = double.IsFinite(remaining) ? TimeSpan.FromSeconds(Math.Round(remaining)).ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture).TrimStart('0', '.', ':') : "?";
        string skipped = p.SkippedSteps > 0 ? $" skipped {p.SkippedSteps}" : string.Empty;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"step {p.Step}/{totalSteps} [{bar}] {100 * fraction:F1}%  rate {p.Rate:F4} {rateUnit}  {distortionName} {p.Distortion:F4}  loss {p.Loss:F4}  lr {p.LearningRate:G2}  {p.StepsPerSecond:F2} steps/s  ETA {(eta.Length == 0 ? "0" : eta)}{skipped}");
    }
}
