namespace Nic.Codec.Inference;

/// <summary>
/// The geometry of banded synthesis shared by every <see cref="IInferenceBackend"/>: a band of latent rows is
/// synthesized from a window of the latent that adds <see cref="IInferenceBackend.SynthesisHalo"/> rows above and below
/// (clipped to the latent), and only the output rows the band owns are kept (spec/nic-model.md §10.1). The managed
/// engine in the Winograd arithmetic also starts its windows on its tile grid (an even latent row; §10.1).
/// </summary>
public static class SynthesisBand
{
    /// <summary>Checks a band request: the backend synthesizes by rows, the rows lie in the latent, and the destination has the band's shape.</summary>
    /// <exception cref="InvalidOperationException">The backend synthesizes whole images only (tfc-mnist).</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rows are not within the latent.</exception>
    /// <exception cref="ArgumentException">The destination is not output channels × factor·rowCount × factor·width.</exception>
    public static void Check(IInferenceBackend backend, FeatureMap yHat, int firstRow, int rowCount, FeatureMap? destination = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(yHat);
        if (backend.SynthesisFactor == 0)
        {
            throw new InvalidOperationException($"{backend.File.Architecture} synthesizes whole images only");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstRow + rowCount, yHat.Height, nameof(rowCount));
        int factor = backend.SynthesisFactor;
        if (destination is not null
            && (destination.Channels != backend.OutputChannels || destination.Height != rowCount * factor || destination.Width != yHat.Width * factor))
        {
            throw new ArgumentException(
                $"the destination must be {backend.OutputChannels}×{rowCount * factor}×{yHat.Width * factor}, not {destination.Channels}×{destination.Height}×{destination.Width}",
                nameof(destination));
        }
    }

    /// <summary>The latent rows g_s runs on for the band: its rows plus the halo on each side, clipped to the latent.</summary>
    public static (int Start, int Count) Window(IInferenceBackend backend, int latentHeight, int firstRow, int rowCount)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return Window(backend.SynthesisHalo, latentHeight, firstRow, rowCount);
    }

    /// <summary>The latent rows of a band with <paramref name="halo"/> rows on each side, clipped to the latent.</summary>
    internal static (int Start, int Count) Window(int halo, int latentHeight, int firstRow, int rowCount)
    {
        int start = Math.Max(0, firstRow - halo);
        int end = Math.Min(latentHeight, firstRow + rowCount + halo);
        return (start, end - start);
    }

    /// <summary>Copies the output rows the band owns from g_s's output on the window starting at latent row <paramref name="windowStart"/>.</summary>
    public static void CopyOwnedRows(IInferenceBackend backend, FeatureMap windowOutput, int windowStart, int firstRow, FeatureMap destination)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(windowOutput);
        ArgumentNullException.ThrowIfNull(destination);
        int skip = (firstRow - windowStart) * backend.SynthesisFactor;
        for (int c = 0; c < destination.Channels; c++)
        {
            windowOutput.Data.AsSpan((c * windowOutput.PlaneSize) + (skip * windowOutput.Width), destination.PlaneSize).CopyTo(destination.Plane(c));
        }
    }
}
