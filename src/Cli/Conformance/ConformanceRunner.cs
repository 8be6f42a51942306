using System.Text;
using Nic.Cli.Imaging;
using Nic.Codec.Imaging;
using Nic.Codec;
using Nic.Codec.Inference;
using Nic.Format;

namespace Nic.Cli.Conformance;

/// <summary>
/// Decodes every case of a suite with a codec and judges it: golden cases by header, symbol hash and pixels within
/// the tolerances (exact on the managed backend in the reference arithmetic), invalid cases by the error code and offset.
/// </summary>
internal static class ConformanceRunner
{
    public static async Task<IReadOnlyList<ConformanceResult>> RunAsync(string directory, NicCodec codec, Action<string>? progress, CancellationToken cancellationToken)
    {
        ConformanceManifest manifest = ConformanceManifest.Load(directory);
        ConformanceManifest.AddSuiteModels(directory, codec.Catalog);
        // The reference decoder is the managed engine in the reference arithmetic of spec/nic-model.md §10; the fused
        // arithmetic (§10.2) is judged like any other backend.
        bool reference = codec.BackendFactory is ManagedBackendFactory { Arithmetic: ManagedArithmetic.Reference };
        var results = new List<ConformanceResult>();
        foreach (ConformanceCase test in manifest.Cases)
        {
            progress?.Invoke(test.Name);
            byte[] file = await File.ReadAllBytesAsync(Path.Combine(directory, test.Stream), cancellationToken);
            results.Add(test.Kind == ConformanceCase.Golden
                ? await GoldenAsync(directory, test, file, codec, reference ? manifest.Tolerances.ReferenceMaxAbsoluteError : manifest.Tolerances.OtherBackendMaxAbsoluteError, reference ? double.PositiveInfinity : manifest.Tolerances.OtherBackendMinPsnrDb, cancellationToken)
                : await InvalidAsync(test, file, codec, cancellationToken));
        }

        return results;
    }

    /// <summary>Decodes <paramref name="file"/> to the end and returns the error code (and container offset) it fails with; nulls when it decodes.</summary>
    public static async Task<(string? Error, long? Offset)> DecodeErrorAsync(NicCodec codec, byte[] file, CancellationToken cancellationToken)
    {
        try
        {
            await using NicRowDecoder decoder = await codec.OpenAsync(new MemoryStream(file, writable: false), cancellationToken);
            await foreach (RgbRowBlock _ in decoder.ReadRowsAsync(cancellationToken))
            {
            }

            return (null, null);
        }
        catch (NicFormatException e)
        {
            return (e.ErrorCode, e.Offset);
        }
        catch (NicException e)
        {
            return (e.ErrorCode, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not an error of the specs (a crash, or a backend that cannot run the case's architecture): the case fails.
            return ($"{e.GetType().Name}: {e.Message}", null);
        }
    }

    private static async Task<ConformanceResult> GoldenAsync(string directory, ConformanceCase test, byte[] file, NicCodec codec, int maxError, double minPsnr, CancellationToken cancellationToken)
    {
        RgbImage decoded;
        string header;
        string symbols;
        try
        {
            await using NicRowDecoder decoder = await codec.OpenAsync(new MemoryStream(file, writable: false), cancellationToken);
            decoded = await decoder.ReadImageAsync(cancellationToken);
            header = ConformanceHeader.ToJson(decoder.Info);
            symbols = Convert.ToHexStringLower(decoder.SymbolsSha256!);
        }
        catch (NicException e)
        {
            return new ConformanceResult(test.Name, test.Kind, false, $"failed to decode: {e.Message}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A decoder that crashes on a golden case fails it (e.g. a backend that cannot run the case's architecture).
            return new ConformanceResult(test.Name, test.Kind, false, $"failed to decode: {e.GetType().Name}: {e.Message}");
        }

        string expectedHeader = await File.ReadAllTextAsync(Path.Combine(directory, test.ExpectedHeader!), Encoding.UTF8, cancellationToken);
        if (header != expectedHeader)
        {
            return new ConformanceResult(test.Name, test.Kind, false, "the header or metadata differs from the expected JSON");
        }

        if (symbols != test.SymbolsSha256)
        {
            return new ConformanceResult(test.Name, test.Kind, false, $"the decoded symbols differ (sha256 {symbols[..16]}…, expected {test.SymbolsSha256?[..Math.Min(16, test.SymbolsSha256.Length)]}…)");
        }

        RgbImage expected = ImageFiles.Read(Path.Combine(directory, test.ExpectedImage!));
        if (expected.Width != decoded.Width || expected.Height != decoded.Height)
        {
            return new ConformanceResult(test.Name, test.Kind, false, $"decoded {decoded.Width}×{decoded.Height}, expected {expected.Width}×{expected.Height}");
        }

        int largest = 0;
        for (int i = 0; i < expected.Pixels.Length; i++)
        {
            largest = Math.Max(largest, Math.Abs(expected.Pixels[i] - decoded.Pixels[i]));
        }

        double psnr = ImageQuality.Psnr(expected, decoded);
        bool passed = largest <= maxError && psnr >= minPsnr;
        string detail = passed ? "ok" : $"max error {largest} (allowed {maxError}), PSNR {psnr:F2} dB (required {minPsnr})";
        return new ConformanceResult(test.Name, test.Kind, passed, detail, largest, psnr);
    }

    private static async Task<ConformanceResult> InvalidAsync(ConformanceCase test, byte[] file, NicCodec codec, CancellationToken cancellationToken)
    {
        (string? error, long? offset) = await DecodeErrorAsync(codec, file, cancellationToken);
        string expected = test.ExpectedError + (test.ExpectedOffset is long o ? $" at byte {o}" : string.Empty);
        string actual = (error ?? "no error") + (offset is long a && test.ExpectedOffset is not null ? $" at byte {a}" : string.Empty);
        bool passed = error == test.ExpectedError && (test.ExpectedOffset is null || offset == test.ExpectedOffset);
        return new ConformanceResult(test.Name, test.Kind, passed, passed ? $"{actual}" : $"expected {expected}, got {actual}");
    }
}
