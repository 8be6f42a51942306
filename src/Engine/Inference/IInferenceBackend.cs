using Nic.Codec.Models;

namespace Nic.Codec.Inference;

/// <summary>
/// The transforms a codec runs on some engine: g_a and h_a on the encoder side, g_s on the decoder side. The entropy
/// path — h_s, which gives the tables the symbols are coded with — is not part of a backend: it always runs on the
/// deterministic managed engine (<see cref="ManagedModel.HyperSynthesize(FeatureMap)"/>), so every backend reads and writes the
/// same bits. Implementations are thread-safe.
/// </summary>
public interface IInferenceBackend
{
    /// <summary>A short name of the engine ("managed", "torch:cpu", …).</summary>
    string Name { get; }

    /// <summary>The model file the networks come from.</summary>
    NicModelFile File { get; }

    /// <summary>How many output rows (and columns) g_s makes of one latent row: 16 for the image models, 0 for tfc-mnist.</summary>
    int SynthesisFactor { get; }

    /// <summary>The latent rows added above and below a band so that banded synthesis equals full-frame synthesis.</summary>
    int SynthesisHalo { get; }

    /// <summary>The channels g_s produces: 3 for the image models, 1 for tfc-mnist.</summary>
    int OutputChannels { get; }

    /// <summary>g_a: the image (channels × height × width, values in [0, 1]) to the latent y.</summary>
    FeatureMap Analyze(FeatureMap image);

    /// <summary>
    /// g_a, stopping with an <see cref="OperationCanceledException"/> once <paramref name="cancellationToken"/> is
    /// cancelled. The default looks at the token before the call only; the managed engine looks at it throughout.
    /// </summary>
    FeatureMap Analyze(FeatureMap image, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Analyze(image);
    }

    /// <summary>h_a: the latent y to the hyper-latent z (the scale hyperprior applies it to |y|).</summary>
    /// <exception cref="InvalidOperationException">The model has no hyperprior.</exception>
    FeatureMap HyperAnalyze(FeatureMap y);

    /// <summary>h_a, stopping once <paramref name="cancellationToken"/> is cancelled (see <see cref="Analyze(FeatureMap, CancellationToken)"/>).</summary>
    /// <exception cref="InvalidOperationException">The model has no hyperprior.</exception>
    FeatureMap HyperAnalyze(FeatureMap y, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return HyperAnalyze(y);
    }

    /// <summary>g_s on the whole latent: the reconstruction, before clamping and cropping.</summary>
    FeatureMap Synthesize(FeatureMap yHat);

    /// <summary>
    /// g_s for latent rows <paramref name="firstRow"/> … <paramref name="firstRow"/> + <paramref name="rowCount"/> − 1
    /// only, into <paramref name="destination"/> (output channels × <see cref="SynthesisFactor"/>·rowCount ×
    /// <see cref="SynthesisFactor"/>·width): the same rows <see cref="Synthesize"/> would give.
    /// </summary>
    void SynthesizeRows(FeatureMap yHat, int firstRow, int rowCount, FeatureMap destination);

    /// <summary>
    /// g_s for a band of latent rows, stopping once <paramref name="cancellationToken"/> is cancelled (see
    /// <see cref="Analyze(FeatureMap, CancellationToken)"/>); the destination is then incomplete.
    /// </summary>
    void SynthesizeRows(FeatureMap yHat, int firstRow, int rowCount, FeatureMap destination, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SynthesizeRows(yHat, firstRow, rowCount, destination);
    }
}
