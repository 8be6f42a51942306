using System.Buffers.Binary;
using Nic.Codec;
using Nic.Codec.Entropy;

namespace Nic.Fuzz;

/// <summary>
/// The entropy decoders on their own (<c>entropy</c>), with fixed tables. The input is a mode byte, a 16-bit symbol
/// count (modulo <see cref="MaxSymbols"/> + 1) and the payload:
/// mode 0 decodes with <see cref="IndexedEntropyCoder"/> under the 64 default Gaussian tables (escapes included),
/// table index i·φ mod 64 for symbol i; mode 1 with <c>CdfCoder.DecodeInt16NormalizedCdf</c> and mode 2 with
/// <c>CdfCoder.DecodeFloatCdf</c>, both over three fixed 8-symbol CDF rows taken in turn. A payload that decodes
/// must be exactly what the encoder makes of the decoded symbols: the coders are bijective on valid streams, so a
/// stream that decodes to symbols it would not encode to is a silently wrong decode.
/// </summary>
internal sealed class EntropyTarget : FuzzTarget
{
    /// <summary>The most symbols one input decodes.</summary>
    public const int MaxSymbols = 2048;

    /// <summary>Values per CDF row in modes 1 and 2 (eight symbols).</summary>
    public const int Lp = 9;

    private static readonly NicCodecError[] EntropyErrors = [NicCodecError.EntropyPayloadTruncated, NicCodecError.EntropyPayloadCorrupt];

    private static readonly Lazy<QuantizedCdfTables> Gaussian = new(() => GaussianCdfTables.Create(GaussianCdfTables.LogSpacedScales()));

    /// <summary>The three int16 rows: uniform; one symbol with almost all the mass; rising frequencies 1, 2, 4, ….</summary>
    private static readonly int[][] IntegerRows =
    [
        [0, 8192, 16384, 24576, 32768, 40960, 49152, 57344, 65536],
        [0, 1, 2, 3, 65531, 65532, 65533, 65534, 65536],
        [0, 1, 3, 7, 15, 31, 63, 127, 65536],
    ];

    /// <summary>The three float rows: uniform; with empty symbols (repeated values); almost all the mass on the last symbol.</summary>
    private static readonly float[][] FloatRows =
    [
        [0f, 0.125f, 0.25f, 0.375f, 0.5f, 0.625f, 0.75f, 0.875f, 1f],
        [0f, 0f, 0.5f, 0.5f, 0.5f, 0.75f, 0.75f, 1f, 1f],
        [0f, 1e-6f, 2e-6f, 3e-6f, 4e-6f, 5e-6f, 6e-6f, 7e-6f, 1f],
    ];

    /// <inheritdoc/>
    public override string Name => "entropy";

    /// <inheritdoc/>
    public override string Description => "IndexedEntropyCoder / CdfCoder (int16 and float CDFs) on arbitrary payloads with fixed tables; decoded symbols must re-encode to the payload";

    /// <summary>Builds an input of this target: what <see cref="Execute"/> splits again.</summary>
    public static byte[] Compose(int mode, int count, ReadOnlySpan<byte> payload)
    {
        var input = new byte[3 + payload.Length];
        input[0] = (byte)mode;
        BinaryPrimitives.WriteUInt16LittleEndian(input.AsSpan(1), (ushort)count);
        payload.CopyTo(input.AsSpan(3));
        return input;
    }

    /// <summary>The table index of symbol i in mode 0.</summary>
    public static int[] TableIndexes(int count)
    {
        var indexes = new int[count];
        for (int i = 0; i < count; i++)
        {
            indexes[i] = (int)(((uint)i * 2654435761u) >> 26);
        }

        return indexes;
    }

    /// <summary>The int16 CDF of <paramref name="count"/> symbols (mode 1).</summary>
    public static short[] IntegerCdf(int count)
    {
        var cdf = new short[count * Lp];
        for (int r = 0; r < count; r++)
        {
            for (int i = 0; i < Lp; i++)
            {
                cdf[r * Lp + i] = unchecked((short)(ushort)IntegerRows[r % IntegerRows.Length][i]);
            }
        }

        return cdf;
    }

    /// <summary>The float CDF of <paramref name="count"/> symbols (mode 2).</summary>
    public static float[] FloatCdf(int count)
    {
        var cdf = new float[count * Lp];
        for (int r = 0; r < count; r++)
        {
            FloatRows[r % FloatRows.Length].CopyTo(cdf, r * Lp);
        }

        return cdf;
    }

    /// <summary>The Gaussian tables of mode 0.</summary>
    public static QuantizedCdfTables GaussianTables => Gaussian.Value;

    /// <inheritdoc/>
    public override void Prepare() => _ = Gaussian.Value;

    /// <inheritdoc/>
    public override string Execute(byte[] input)
    {
        int mode = input.Length > 0 ? input[0] % 3 : 0;
        int count = input.Length > 2 ? BinaryPrimitives.ReadUInt16LittleEndian(input.AsSpan(1)) % (MaxSymbols + 1) : 0;
        byte[] payload = input.Length > 3 ? input[3..] : [];
        byte[] again;
        try
        {
            switch (mode)
            {
                case 0:
                {
                    int[] indexes = TableIndexes(count);
                    var values = new int[count];
                    IndexedEntropyCoder.Decode(payload, indexes, GaussianTables, values);
                    again = IndexedEntropyCoder.Encode(values, indexes, GaussianTables);
                    break;
                }

                case 1:
                {
                    short[] cdf = IntegerCdf(count);
                    int[] symbols = CdfCoder.DecodeInt16NormalizedCdf(cdf, Lp, payload);
                    again = CdfCoder.EncodeInt16NormalizedCdf(cdf, Lp, symbols);
                    break;
                }

                default:
                {
                    float[] cdf = FloatCdf(count);
                    int[] symbols = CdfCoder.DecodeFloatCdf(cdf, Lp, payload);
                    again = CdfCoder.EncodeFloatCdf(cdf, Lp, symbols);
                    break;
                }
            }
        }
        catch (Exception e) when (Outcomes.Describe(e, payload.Length, EntropyErrors) is { } error)
        {
            return $"mode {mode}: {error}";
        }

        if (!again.AsSpan().SequenceEqual(payload))
        {
            throw new FuzzFindingException($"mode {mode}: {payload.Length} payload bytes decode to {count} symbols that encode to {again.Length} other bytes");
        }

        return $"mode {mode}: {count} symbols";
    }
}
