using System.Buffers.Binary;
using Nic.Codec.Entropy;

namespace Nic.Codec.BitsBack;

/// <summary>What <see cref="BitsBackCodec.Compress"/> made, with the figures of its rate.</summary>
/// <param name="File">The bits-back file (§13.4): header, then the stack message.</param>
/// <param name="Digits">Digits coded.</param>
/// <param name="MessageBits">Bits of the stack message: 64 + 32 per word.</param>
/// <param name="InitialBits">The clean bits the message borrowed from its seed: the initial state's 64 and 32 per supply word the first pops took. They are inside <paramref name="MessageBits"/>; the net rate leaves them out.</param>
/// <param name="IdealBits">Σ log₂(2^16 / frequency) over every push, less the same over every pop: the rate the quantized distributions allow, to compare with the message.</param>
public sealed record BitsBackCompression(byte[] File, int Digits, long MessageBits, long InitialBits, double IdealBits)
{
    /// <summary>Bits of the file's header (§13.4), 416.</summary>
    public long HeaderBits => BitsBackCodec.HeaderBytes * 8L;

    /// <summary>The message's bits per dimension without the initial bits: (message − initial) / (784 · digits).</summary>
    public double NetBitsPerDimension => (MessageBits - InitialBits) / (784.0 * Digits);

    /// <summary>The message's bits per dimension, initial bits included.</summary>
    public double MessageBitsPerDimension => MessageBits / (784.0 * Digits);

    /// <summary>The whole file's bits per dimension (header and initial bits included).</summary>
    public double FileBitsPerDimension => File.Length * 8.0 / (784.0 * Digits);
}

/// <summary>
/// Bits-back coding with ANS (BB-ANS; Townsend, Bird and Barber 2019) of binarized 28 × 28 digits under a
/// <see cref="BitsBackVae"/>, on an <see cref="AnsStack"/> (spec/nic-coding.md §13): per digit, the latent is popped
/// from the posterior discretized into buckets of equal prior mass, the pixels are pushed under the decoder's
/// Bernoulli probabilities, and the latent is pushed under the prior. Every distribution is computed in deterministic
/// managed arithmetic, so a file decodes to the same digits on every machine.
/// </summary>
public static class BitsBackCodec
{
    /// <summary>Bits of the bucket index per latent dimension: 2^12 = 4096 buckets of equal prior mass.</summary>
    public const int DefaultBucketBits = 12;

    /// <summary>The header's length in bytes (§13.4).</summary>
    public const int HeaderBytes = 52;

    /// <summary>The most digits one file may hold (checked before anything is allocated).</summary>
    public const int MaxDigits = 100_000;

    private const int Total = RansConstants.Total;
    private const byte Version = 1;
    private static ReadOnlySpan<byte> Magic => "NBBA"u8;

    /// <summary>Compresses binarized digits (784 bytes of 0 or 1 each) into one message.</summary>
    /// <param name="vae">The model.</param>
    /// <param name="digits">The digits, 784 bytes each, every byte 0 or 1.</param>
    /// <param name="seed">The seed of the stack's initial state and clean bits (§12.2).</param>
    /// <param name="bucketBits">Bits of a latent bucket index, 1..16 (§13.3).</param>
    /// <returns>The file and its figures.</returns>
    /// <exception cref="ArgumentException">The digits are not whole, not binary, none or too many.</exception>
    public static BitsBackCompression Compress(BitsBackVae vae, ReadOnlySpan<byte> digits, ulong seed = 0, int bucketBits = DefaultBucketBits)
    {
        ArgumentNullException.ThrowIfNull(vae);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketBits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bucketBits, AnsStack.PrecisionBits);
        int count = CheckDigits(digits);
        int l = vae.LatentDimensions;
        var buckets = LatentBuckets.Get(bucketBits);

        // The posteriors depend only on the digits, so they are computed up front, in parallel.
        var means = new float[count * l];
        var scales = new double[count * l];
        byte[] all = digits.ToArray();
        Parallel.For(0, count, n => vae.Posterior(all.AsSpan(n * BitsBackVae.Pixels, BitsBackVae.Pixels), means.AsSpan(n * l, l), scales.AsSpan(n * l, l)));

        var stack = new AnsStack(seed);
        var bucket = new int[l];
        var latent = new float[l];
        var logits = new float[BitsBackVae.Pixels];
        double ideal = 0;
        for (int n = 0; n < count; n++)
        {
            ReadOnlySpan<byte> x = all.AsSpan(n * BitsBackVae.Pixels, BitsBackVae.Pixels);
            for (int j = 0; j < l; j++)
            {
                (bucket[j], uint start, uint freq) = buckets.PopPosterior(stack, means[(n * l) + j], scales[(n * l) + j]);
                latent[j] = buckets.Centre(bucket[j]);
                ideal -= Math.Log2((double)Total / freq);
                _ = start;
            }

            vae.Logits(latent, logits);
            for (int p = 0; p < BitsBackVae.Pixels; p++)
            {
                (uint start, uint freq) = PixelInterval(logits[p], x[p]);
                stack.Push(start, freq);
                ideal += Math.Log2((double)Total / freq);
            }

            for (int j = 0; j < l; j++)
            {
                stack.PushBits((uint)bucket[j], bucketBits);
            }

            ideal += l * bucketBits;
        }

        byte[] message = stack.ToMessage();
        var file = new byte[HeaderBytes + message.Length];
        Magic.CopyTo(file);
        file[4] = Version;
        file[5] = (byte)bucketBits;
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(8), count);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(12), seed);
        vae.Sha256.Span.CopyTo(file.AsSpan(20));
        message.CopyTo(file, HeaderBytes);
        long initialBits = 64 + (32 * stack.SupplyWordsUsed);
        return new BitsBackCompression(file, count, stack.MessageBits, initialBits, ideal);
    }

    /// <summary>Decompresses a file made by <see cref="Compress"/> and checks that the stack ends at its seed (§12.4).</summary>
    /// <param name="vae">The model the file names.</param>
    /// <param name="file">The file.</param>
    /// <returns>The digits, 784 bytes (0 or 1) each, in the order they were compressed.</returns>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.BitsBackFileCorrupt"/> for a bad header; <see cref="NicCodecError.ModelHashMismatch"/> when the file names another model; <see cref="NicCodecError.AnsStackCorrupt"/> or <see cref="NicCodecError.AnsStackExhausted"/> for a damaged message.</exception>
    public static byte[] Decompress(BitsBackVae vae, ReadOnlySpan<byte> file)
    {
        ArgumentNullException.ThrowIfNull(vae);
        if (file.Length < HeaderBytes)
        {
            throw Corrupt($"a bits-back file has at least {HeaderBytes} bytes, not {file.Length}");
        }

        if (!file[..4].SequenceEqual(Magic) || file[4] != Version || file[6] != 0 || file[7] != 0)
        {
            throw Corrupt("the file does not start with the magic NBBA, version 1 and two zero bytes");
        }

        int bucketBits = file[5];
        int count = BinaryPrimitives.ReadInt32LittleEndian(file[8..]);
        if (bucketBits < 1 || bucketBits > AnsStack.PrecisionBits)
        {
            throw Corrupt($"bucket bits {bucketBits} outside 1..{AnsStack.PrecisionBits}");
        }

        if (count < 1 || count > MaxDigits)
        {
            throw Corrupt($"digit count {count} outside 1..{MaxDigits}");
        }

        ulong seed = BinaryPrimitives.ReadUInt64LittleEndian(file[12..]);
        if (!file.Slice(20, 32).SequenceEqual(vae.Sha256.Span))
        {
            throw new NicCodecException(NicCodecError.ModelHashMismatch, $"the file was made with the VAE of SHA-256 {Convert.ToHexStringLower(file.Slice(20, 32))}, not {Convert.ToHexStringLower(vae.Sha256.Span)}");
        }

        AnsStack stack = AnsStack.FromMessage(file[HeaderBytes..], seed);
        int l = vae.LatentDimensions;
        var buckets = LatentBuckets.Get(bucketBits);
        // Digits are kept one array each as they come out (last first), so that a short hostile file that announces
        // many digits fails on an empty stack before it costs memory; the result is assembled at the end.
        var decoded = new List<byte[]>();
        var bucket = new int[l];
        var latent = new float[l];
        var logits = new float[BitsBackVae.Pixels];
        var mean = new float[l];
        var scale = new double[l];
        for (int n = count - 1; n >= 0; n--)
        {
            for (int j = l - 1; j >= 0; j--)
            {
                bucket[j] = (int)stack.PopBits(bucketBits);
                latent[j] = buckets.Centre(bucket[j]);
            }

            vae.Logits(latent, logits);
            var x = new byte[BitsBackVae.Pixels];
            decoded.Add(x);
            for (int p = BitsBackVae.Pixels - 1; p >= 0; p--)
            {
                uint zeroFreq = Total - OneFrequency(logits[p]);
                byte value = stack.Slot < zeroFreq ? (byte)0 : (byte)1;
                (uint start, uint freq) = value == 0 ? (0u, zeroFreq) : (zeroFreq, Total - zeroFreq);
                stack.Pop(start, freq);
                x[p] = value;
            }

            vae.Posterior(x, mean, scale);
            for (int j = l - 1; j >= 0; j--)
            {
                (uint start, uint freq) = buckets.PosteriorInterval(bucket[j], mean[j], scale[j]);
                if (freq == 0)
                {
                    throw new NicCodecException(NicCodecError.AnsStackCorrupt, $"digit {n}: latent bucket {bucket[j]} of dimension {j} has no probability under the posterior of the decoded digit; the message was not made by this model", n);
                }

                stack.Push(start, freq);
            }
        }

        stack.VerifyInitial();
        var digits = new byte[count * BitsBackVae.Pixels];
        for (int n = 0; n < count; n++)
        {
            decoded[count - 1 - n].CopyTo(digits, n * BitsBackVae.Pixels);
        }

        return digits;
    }

    /// <summary>
    /// The test-set negative ELBO in bits per dimension, estimated in managed code: the KL to N(0, I) exactly, the
    /// expected −log p(x|z) by <paramref name="samples"/> draws of z ~ q(z|x) per digit (a seeded generator). For
    /// reporting only; the coder never uses it.
    /// </summary>
    /// <param name="vae">The model.</param>
    /// <param name="digits">Binarized digits, 784 bytes each.</param>
    /// <param name="samples">Draws per digit, 1 or more.</param>
    /// <param name="seed">The draws' seed.</param>
    /// <returns>Bits per dimension.</returns>
    public static double NegativeElbo(BitsBackVae vae, ReadOnlySpan<byte> digits, int samples, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(vae);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        int count = CheckDigits(digits);
        byte[] all = digits.ToArray();
        var nats = new double[count];
        Parallel.For(0, count, n =>
        {
            int l = vae.LatentDimensions;
            ReadOnlySpan<byte> x = all.AsSpan(n * BitsBackVae.Pixels, BitsBackVae.Pixels);
            var mean = new float[l];
            var scale = new double[l];
            var z = new float[l];
            var logits = new float[BitsBackVae.Pixels];
            vae.Posterior(x, mean, scale);
            double kl = 0;
            for (int j = 0; j < l; j++)
            {
                kl += (0.5 * ((mean[j] * (double)mean[j]) + (scale[j] * scale[j]) - 1)) - Math.Log(scale[j]);
            }

            ulong state = seed ^ ((ulong)n * 0xD1B54A32D192ED03UL);
            double reconstruction = 0;
            for (int s = 0; s < samples; s++)
            {
                for (int j = 0; j < l; j++)
                {
                    double u1 = ((SplitMix64.Next(ref state) >> 11) + 0.5) * (1.0 / (1UL << 53));
                    double u2 = (SplitMix64.Next(ref state) >> 11) * (1.0 / (1UL << 53));
                    double epsilon = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                    z[j] = (float)(mean[j] + (scale[j] * epsilon));
                }

                vae.Logits(z, logits);
                for (int p = 0; p < BitsBackVae.Pixels; p++)
                {
                    double a = logits[p];
                    reconstruction += Math.Max(a, 0) - (x[p] * a) + Math.Log(1 + Math.Exp(-Math.Abs(a)));
                }
            }

            nats[n] = kl + (reconstruction / samples);
        });
        double total = 0;
        foreach (double v in nats)
        {
            total += v;
        }

        return total / Math.Log(2) / (count * (double)BitsBackVae.Pixels);
    }

    /// <summary>§13.3: the frequency of a 1 pixel, round(2^16 · σ(logit)) clamped to 1..2^16 − 1.</summary>
    internal static uint OneFrequency(float logit)
    {
        double f = Math.Round(Total * BitsBackMath.Sigmoid(logit));
        return f < 1 ? 1u : f > Total - 1 ? Total - 1 : (uint)f;
    }

    /// <summary>A pixel's interval: 0 is [0, 2^16 − f₁), 1 is [2^16 − f₁, 2^16).</summary>
    internal static (uint Start, uint Freq) PixelInterval(float logit, byte value)
    {
        uint zero = Total - OneFrequency(logit);
        return value == 0 ? (0u, zero) : (zero, Total - zero);
    }

    private static int CheckDigits(ReadOnlySpan<byte> digits)
    {
        if (digits.IsEmpty || digits.Length % BitsBackVae.Pixels != 0)
        {
            throw new ArgumentException($"{digits.Length} bytes are not a whole number of 784-byte digits", nameof(digits));
        }

        int count = digits.Length / BitsBackVae.Pixels;
        if (count > MaxDigits)
        {
            throw new ArgumentException($"{count} digits are more than a file holds ({MaxDigits})", nameof(digits));
        }

        if (digits.IndexOfAnyExcept((byte)0, (byte)1) is int bad and >= 0)
        {
            throw new ArgumentException($"byte {bad} is {digits[bad]}; binarized digits hold 0 or 1", nameof(digits));
        }

        return count;
    }

    private static NicCodecException Corrupt(string message) => new(NicCodecError.BitsBackFileCorrupt, message);
}
