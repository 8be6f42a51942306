using System.Security.Cryptography;
using Nic.Codec;
using Nic.Codec.BitsBack;
using Nic.Torch.Training;

namespace Nic.Torch.Tests;

/// <summary>
/// Bits-back coding (spec/nic-coding.md §13) on the committed digits (tests/data/digits/mnist-300.u8, binarized as in
/// §13.2): exact round trips, a rate close to the negative ELBO with the shipped VAE, a fixed output on every machine,
/// and clear errors for damaged files.
/// </summary>
public sealed class BitsBackTests
{
    private static readonly Lazy<byte[]> Digits = new(() => BinarizedDigits.Binarize(File.ReadAllBytes(MnistTestData.SubsetPath)));

    internal static string ShippedModelPath => FindUp("models/bitsback/bitsback-vae.safetensors");

    /// <summary>A committed file, found from the test's output folder upwards.</summary>
    private static string FindUp(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(relative + " was not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void ARandomModelCodesTheDigitsExactly()
    {
        BitsBackVae vae = RandomVae(hidden: 24, latent: 6, seed: 1);
        byte[] digits = Digits.Value;
        BitsBackCompression compressed = BitsBackCodec.Compress(vae, digits, seed: 3);
        Assert.Equal(digits, BitsBackCodec.Decompress(vae, compressed.File));
        Assert.Equal(BitsBackCodec.HeaderBytes * 8 + compressed.MessageBits, 8L * compressed.File.Length);

        // The message costs what the quantized distributions say, to within a word per push/pop boundary.
        Assert.InRange(compressed.MessageBits - compressed.InitialBits, compressed.IdealBits - 64, compressed.IdealBits + 64);
    }

    [Fact]
    public void TheShippedModelCodesTheCommittedDigitsCloseToItsNegativeElbo()
    {
        BitsBackVae vae = BitsBackVae.LoadFile(ShippedModelPath);
        byte[] digits = Digits.Value;
        BitsBackCompression compressed = BitsBackCodec.Compress(vae, digits);
        Assert.Equal(digits, BitsBackCodec.Decompress(vae, compressed.File));
        double elbo = BitsBackCodec.NegativeElbo(vae, digits, samples: 20, seed: 1);
        Assert.InRange(compressed.NetBitsPerDimension / elbo, 0.985, 1.015);

        // Better than raw bits by far, and the initial bits are a small part of 300 digits.
        Assert.InRange(compressed.NetBitsPerDimension, 0.1, 0.3);
        Assert.InRange(compressed.InitialBits, 64, 64 + (32 * 40));
    }

    [Fact]
    public void TheShippedModelGivesTheSameBytesOnEveryMachine()
    {
        // Rule 1 (shared/design.md): the posterior, the buckets and the pixel probabilities are computed in fixed-order
        // binary32/binary64 arithmetic, so the file is the same under AVX-512, AVX2 or no vectors at all. The hash was
        // made on an AVX-512 machine; the AVX2-only pass of the tests checks it again.
        BitsBackVae vae = BitsBackVae.LoadFile(ShippedModelPath);
        byte[] file = BitsBackCodec.Compress(vae, Digits.Value.AsSpan(0, 50 * 784)).File;
        Assert.Equal(ShippedFirst50Sha256, Convert.ToHexStringLower(SHA256.HashData(file)));
    }

    [Fact]
    public void DamagedFilesAreRefusedWithTheirCodes()
    {
        BitsBackVae vae = RandomVae(hidden: 16, latent: 4, seed: 2);
        byte[] digits = Digits.Value.AsSpan(0, 40 * 784).ToArray();
        byte[] file = BitsBackCodec.Compress(vae, digits, seed: 9).File;

        NicCodecError Error(byte[] bytes) => Assert.Throws<NicCodecException>(() => BitsBackCodec.Decompress(vae, bytes)).Error;
        byte[] Changed(int offset, byte value)
        {
            byte[] copy = (byte[])file.Clone();
            copy[offset] = value;
            return copy;
        }

        Assert.Equal(NicCodecError.BitsBackFileCorrupt, Error(file[..51]));
        Assert.Equal(NicCodecError.BitsBackFileCorrupt, Error(Changed(0, (byte)'X')));
        Assert.Equal(NicCodecError.BitsBackFileCorrupt, Error(Changed(4, 2)));
        Assert.Equal(NicCodecError.BitsBackFileCorrupt, Error(Changed(5, 0)));
        Assert.Equal(NicCodecError.BitsBackFileCorrupt, Error(Changed(5, 17)));
        Assert.Equal(NicCodecError.BitsBackFileCorrupt, Error(Changed(6, 1)));
        byte[] noDigits = (byte[])file.Clone();
        noDigits.AsSpan(8, 4).Clear();
        Assert.Equal(NicCodecError.BitsBackFileCorrupt, Error(noDigits));
        Assert.Equal(NicCodecError.BitsBackFileCorrupt, Error(Changed(11, 0x7F)));
        Assert.Equal(NicCodecError.ModelHashMismatch, Error(Changed(20, (byte)(file[20] ^ 1))));
        Assert.Equal(NicCodecError.AnsStackCorrupt, Error(file[..(file.Length - 1)]));
        Assert.Equal(NicCodecError.AnsStackCorrupt, Error([.. file, 0, 0, 0, 0]));
        Assert.Equal(NicCodecError.AnsStackCorrupt, Error(Changed(12, (byte)(file[12] ^ 1)))); // another seed
        Assert.Contains(Error(file[..(file.Length - 8)]), new[] { NicCodecError.AnsStackExhausted, NicCodecError.AnsStackCorrupt });

        // More digits announced than coded: the message runs out, or ends anywhere but at the seed.
        byte[] more = (byte[])file.Clone();
        more[8]++;
        Assert.Contains(Error(more), new[] { NicCodecError.AnsStackExhausted, NicCodecError.AnsStackCorrupt });

        for (int offset = BitsBackCodec.HeaderBytes; offset < file.Length; offset += 37)
        {
            Assert.Contains(Error(Changed(offset, (byte)(file[offset] ^ 0x10))), new[] { NicCodecError.AnsStackExhausted, NicCodecError.AnsStackCorrupt });
        }

        Assert.Throws<ArgumentException>(() => BitsBackCodec.Compress(vae, new byte[783]));
        Assert.Throws<ArgumentException>(() => BitsBackCodec.Compress(vae, Enumerable.Repeat((byte)2, 784).ToArray()));
    }

    [Fact]
    public void ModelFilesRoundTripAndBadOnesAreRefused()
    {
        BitsBackVae vae = RandomVae(hidden: 8, latent: 3, seed: 4);
        BitsBackVae again = BitsBackVae.Load(vae.ToFile());
        Assert.Equal(vae.ToFile(), again.ToFile());
        Assert.Equal(8, again.HiddenUnits);
        Assert.Equal(3, again.LatentDimensions);
        Assert.Equal(NicCodecError.ModelFileCorrupt, Assert.Throws<NicCodecException>(() => BitsBackVae.Load(new byte[12])).Error);
        Assert.Equal(NicCodecError.ModelArchitectureMismatch, Assert.Throws<NicCodecException>(() => BitsBackVae.Load(File.ReadAllBytes(FindUp("models/nic-bmshj2018-hyperprior.nicm")))).Error);
        Assert.Equal(NicCodecError.ModelNotFound, Assert.Throws<NicCodecException>(() => BitsBackVae.LoadFile("/no/such/file.safetensors")).Error);
        Assert.Throws<ArgumentException>(() => BitsBackVae.Create(8, 3, new Dictionary<string, float[]>()));
    }

    [Fact]
    public void BinarizationIsTheDocumentedDeterministicDraw()
    {
        byte[] grey = [0, 255, 128, 128, 128, 128, 128, 128, 10, 250];
        byte[] bits = BinarizedDigits.Binarize(grey, seed: 1);
        Assert.Equal(0, bits[0]);
        Assert.Equal(1, bits[1]);
        Assert.Equal(BinarizationVector, string.Concat(bits.Select(b => b.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal(bits, BinarizedDigits.Binarize(grey, seed: 1));
        Assert.NotEqual(BinarizedDigits.Binarize(File.ReadAllBytes(MnistTestData.SubsetPath), 1), BinarizedDigits.Binarize(File.ReadAllBytes(MnistTestData.SubsetPath), 2));

        // About v/255 of the pixels are on.
        byte[] half = BinarizedDigits.Binarize(Enumerable.Repeat((byte)51, 100_000).ToArray(), seed: 7);
        Assert.InRange(half.Count(b => b == 1), 19_000, 21_000);
    }

    [Fact]
    public void TheDeterministicArithmeticIsAccurateAndMonotone()
    {
        for (double x = -30; x <= 30; x += 0.01)
        {
            Assert.InRange(BitsBackMath.Exp(x) / Math.Exp(x), 1 - 1e-14, 1 + 1e-14);
        }

        double previous = 0;
        for (double x = -11; x <= 11; x += 1.0 / 4096)
        {
            double p = BitsBackMath.Phi(x);
            Assert.True(p >= previous, $"Φ falls at {x}");
            Assert.InRange(p, Nic.Codec.Entropy.StandardNormal.Cdf(x) - 1e-6, Nic.Codec.Entropy.StandardNormal.Cdf(x) + 1e-6);
            previous = p;
        }

        Assert.InRange(BitsBackMath.PhiInverse(0.975), 1.9599, 1.9601);
    }

    [Fact]
    public void TrainingOnTheCommittedDigitsMakesAModelThatCodesThem()
    {
        byte[] grey = File.ReadAllBytes(MnistTestData.SubsetPath);
        byte[] test = Digits.Value;
        var epochs = new List<BitsBackEpoch>();
        BitsBackVae vae = BitsBackVaeTraining.Train(grey, test, new BitsBackTrainingOptions { Hidden = 32, Latent = 8, Epochs = 3, BatchSize = 50, TestEvery = 1 }, new Progress(epochs.Add));
        Assert.Equal(3, epochs.Count);
        Assert.True(epochs[^1].TrainingNats < epochs[0].TrainingNats);
        Assert.Equal(test, BitsBackCodec.Decompress(vae, BitsBackCodec.Compress(vae, test).File));
        double managed = BitsBackCodec.NegativeElbo(vae, test, samples: 20, seed: 2);
        Assert.InRange(managed, 0.9 * epochs[^1].TestBitsPerDimension, 1.1 * epochs[^1].TestBitsPerDimension);
    }

    private const string ShippedFirst50Sha256 = "176d7a10cdf2ab4cb732b6ec5dc8c59fc33c3049d4793d910008fd1cf5e9c47a";
    private const string BinarizationVector = "0101100001";

    private sealed class Progress(Action<BitsBackEpoch> report) : IProgress<BitsBackEpoch>
    {
        public void Report(BitsBackEpoch value) => report(value);
    }

    /// <summary>A VAE with random weights (normal, σ 0.3): it codes anything, badly.</summary>
    private static BitsBackVae RandomVae(int hidden, int latent, int seed)
    {
        var random = new Random(seed);
        var tensors = new Dictionary<string, float[]>();
        foreach ((string name, int[] shape) in BitsBackVae.TensorShapes(hidden, latent))
        {
            tensors[name] = Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)(0.3 * (random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5))).ToArray();
        }

        return BitsBackVae.Create(hidden, latent, tensors);
    }
}
