using System.Globalization;

namespace Nic.Codec;

/// <summary>What a <see cref="NicRateTarget"/> bounds.</summary>
public enum NicRateTargetKind
{
    /// <summary>At most this many bits per pixel for the whole file.</summary>
    BitsPerPixel,

    /// <summary>At most this many bytes for the whole file.</summary>
    Bytes,

    /// <summary>At least this RGB PSNR in dB of the decoded image against the input.</summary>
    PsnrDb,
}

/// <summary>
/// A target an encode meets by searching the family's rates with real encodes (an interpolating bracket search): the largest rate whose file
/// is within a size target, or the smallest whose decoded image reaches a PSNR target. An unreachable target gives the
/// nearest end of the family's range, and <see cref="NicEncodeResult.TargetMet"/> says so.
/// </summary>
public sealed record NicRateTarget
{
    private NicRateTarget(NicRateTargetKind kind, double value)
    {
        Kind = kind;
        Value = value;
    }

    /// <summary>What is bounded.</summary>
    public NicRateTargetKind Kind { get; }

    /// <summary>The bound: bits per pixel, bytes or dB.</summary>
    public double Value { get; }

    /// <summary>At most <paramref name="bitsPerPixel"/> bits per pixel.</summary>
    public static NicRateTarget BitsPerPixel(double bitsPerPixel) =>
        bitsPerPixel > 0 && double.IsFinite(bitsPerPixel) ? new(NicRateTargetKind.BitsPerPixel, bitsPerPixel) : throw new ArgumentOutOfRangeException(nameof(bitsPerPixel), bitsPerPixel, "a bits-per-pixel target is a positive number");

    /// <summary>At most <paramref name="bytes"/> bytes.</summary>
    public static NicRateTarget Bytes(long bytes) =>
        bytes > 0 ? new(NicRateTargetKind.Bytes, bytes) : throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "a size target is a positive number of bytes");

    /// <summary>At least <paramref name="decibels"/> dB of RGB PSNR.</summary>
    public static NicRateTarget PsnrDb(double decibels) =>
        decibels > 0 && double.IsFinite(decibels) ? new(NicRateTargetKind.PsnrDb, decibels) : throw new ArgumentOutOfRangeException(nameof(decibels), decibels, "a PSNR target is a positive number of dB");

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        NicRateTargetKind.BitsPerPixel => string.Create(CultureInfo.InvariantCulture, $"≤ {Value} bpp"),
        NicRateTargetKind.Bytes => string.Create(CultureInfo.InvariantCulture, $"≤ {Value} bytes"),
        _ => string.Create(CultureInfo.InvariantCulture, $"≥ {Value} dB"),
    };
}
