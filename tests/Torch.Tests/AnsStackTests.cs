using Nic.Codec;
using Nic.Codec.Entropy;

namespace Nic.Torch.Tests;

/// <summary>The ANS stack (spec/nic-coding.md §12): push/pop round trips, LIFO order, free interleavings, sampling from clean bits, the spec's vectors and clear errors for damaged messages.</summary>
public sealed class AnsStackTests
{
    private static readonly int[] Skewed = [0, 60000, 64000, 65535, 65536];

    [Fact]
    public void PushedSymbolsPopInReverseOrder()
    {
        var stack = new AnsStack(seed: 7);
        int[] symbols = [0, 3, 1, 2, 2, 0, 1];
        foreach (int s in symbols)
        {
            stack.Push(s, Skewed);
        }

        for (int i = symbols.Length - 1; i >= 0; i--)
        {
            Assert.Equal(symbols[i], stack.Pop(Skewed));
        }

        Assert.Equal(AnsStack.InitialState(7), stack.State);
        Assert.Equal(0, stack.WordCount);
        stack.VerifyInitial();
    }

    [Theory]
    [InlineData(0UL, 10)]
    [InlineData(1UL, 1000)]
    [InlineData(0xDEADBEEFUL, 20000)]
    public void MessagesRoundTripThroughBytes(ulong seed, int count)
    {
        var random = new Random(count);
        var cdfs = Enumerable.Range(0, 8).Select(_ => RandomCdf(random, random.Next(2, 300))).ToArray();
        var pushed = new (int Symbol, int Cdf)[count];
        var stack = new AnsStack(seed);
        for (int i = 0; i < count; i++)
        {
            int c = random.Next(cdfs.Length);
            int symbol = RandomSymbol(random, cdfs[c]);
            pushed[i] = (symbol, c);
            stack.Push(symbol, cdfs[c]);
        }

        byte[] message = stack.ToMessage();
        Assert.Equal(stack.MessageBits, 8L * message.Length);
        AnsStack opened = AnsStack.FromMessage(message, seed);
        for (int i = count - 1; i >= 0; i--)
        {
            Assert.Equal(pushed[i].Symbol, opened.Pop(cdfs[pushed[i].Cdf]));
        }

        opened.VerifyInitial();
    }

    [Theory]
    [InlineData(3)]
    [InlineData(11)]
    [InlineData(12345)]
    public void RandomInterleavingsOfPushesAndPopsAreUndoneExactly(int seed)
    {
        // A random program of pushes and pops (pops first, so the supply is used), then its exact reverse on the opened
        // message: every pop is undone by pushing its symbol back, every push by popping it.
        var random = new Random(seed);
        var cdfs = Enumerable.Range(0, 6).Select(_ => RandomCdf(random, random.Next(2, 5000))).ToArray();
        var log = new List<(bool Push, int Symbol, int Cdf, int Bits)>();
        var stack = new AnsStack((ulong)seed);
        for (int i = 0; i < 5000; i++)
        {
            int c = random.Next(cdfs.Length);
            switch (random.Next(4))
            {
                case 0:
                    log.Add((false, stack.Pop(cdfs[c]), c, 0));
                    break;
                case 1:
                    int bits = random.Next(1, 17);
                    log.Add((false, (int)stack.PopBits(bits), -1, bits));
                    break;
                case 2:
                    int value = random.Next(1 << 7);
                    stack.PushBits((uint)value, 7);
                    log.Add((true, value, -1, 7));
                    break;
                default:
                    int symbol = RandomSymbol(random, cdfs[c]);
                    stack.Push(symbol, cdfs[c]);
                    log.Add((true, symbol, c, 0));
                    break;
            }
        }

        Assert.True(stack.SupplyWordsUsed > 0);
        AnsStack opened = AnsStack.FromMessage(stack.ToMessage(), (ulong)seed);
        for (int i = log.Count - 1; i >= 0; i--)
        {
            (bool push, int symbol, int c, int bits) = log[i];
            if (push)
            {
                Assert.Equal(symbol, c >= 0 ? opened.Pop(cdfs[c]) : (int)opened.PopBits(bits));
            }
            else if (c >= 0)
            {
                opened.Push(symbol, cdfs[c]);
            }
            else
            {
                opened.PushBits((uint)symbol, bits);
            }
        }

        opened.VerifyInitial();
    }

    [Fact]
    public void PopsFromCleanBitsSampleTheDistribution()
    {
        // Popping from a fresh stack draws symbols with the CDF's probabilities (the sampling of bits-back coding).
        var stack = new AnsStack(seed: 99);
        var counts = new int[Skewed.Length - 1];
        const int Draws = 40000;
        for (int i = 0; i < Draws; i++)
        {
            counts[stack.Pop(Skewed)]++;
        }

        for (int s = 0; s < counts.Length; s++)
        {
            double p = (Skewed[s + 1] - Skewed[s]) / 65536.0;
            Assert.InRange(counts[s], (Draws * p) - (5 * Math.Sqrt(Draws * p)) - 1, (Draws * p) + (5 * Math.Sqrt(Draws * p)) + 1);
        }

        // Each pop took about log2(1/p) bits of the supply.
        double information = counts.Select((n, s) => n * Math.Log2(65536.0 / (Skewed[s + 1] - Skewed[s]))).Sum();
        Assert.InRange(32.0 * stack.SupplyWordsUsed, information - 64, information + 64);
    }

    [Fact]
    public void SpecVectors()
    {
        // spec/nic-coding.md §12.5 (also reproduced by an independent Python transcription of §12).
        Assert.Equal(0x78882A0E5EC7736BUL, AnsStack.InitialState(0));
        Assert.Equal(0xA1B965F4u, AnsStack.SupplyWord(0, 0));
        Assert.Equal(0x6E789E6Au, AnsStack.SupplyWord(0, 1));

        // Five 16-bit pops from seed 0: two from the state, then the supply words enter.
        var clean = new AnsStack(seed: 0);
        Assert.Equal(new uint[] { 0x736B, 0x5EC7, 0x65F4, 0xA1B9, 0x9E6A }, Enumerable.Range(0, 5).Select(_ => clean.PopBits(16)).ToArray());
        Assert.Equal(2, clean.SupplyWordsUsed);
        Assert.Equal("786E0E2A88780000", Convert.ToHexString(clean.ToMessage()));

        // Pop under a CDF, push 3 raw bits, push a symbol of frequency 1 (a word is emitted), pop 12 raw bits.
        var stack = new AnsStack(seed: 0);
        Assert.Equal(0, stack.Pop(Skewed));
        stack.PushBits(5, 3);
        stack.Push(3, Skewed);
        Assert.Equal(0xFFFu, stack.PopBits(12));
        Assert.Equal("0F98DA2C370000000BE405E8", Convert.ToHexString(stack.ToMessage()));
        Assert.Equal(0, stack.SupplyWordsUsed);
    }

    [Fact]
    public void DamagedMessagesAreRefusedWithTheirCodes()
    {
        var stack = new AnsStack(seed: 5);
        var random = new Random(5);
        int[] cdf = RandomCdf(random, 50);
        var symbols = Enumerable.Range(0, 400).Select(_ => RandomSymbol(random, cdf)).ToArray();
        foreach (int s in symbols)
        {
            stack.Push(s, cdf);
        }

        byte[] message = stack.ToMessage();
        Assert.True(message.Length > 40);

        Assert.Equal(NicCodecError.AnsStackCorrupt, Assert.Throws<NicCodecException>(() => AnsStack.FromMessage(message.AsSpan(0, 7), 5)).Error);
        Assert.Equal(NicCodecError.AnsStackCorrupt, Assert.Throws<NicCodecException>(() => AnsStack.FromMessage(message.AsSpan(0, message.Length - 1), 5)).Error);
        byte[] lowState = (byte[])message.Clone();
        lowState.AsSpan(0, 8).Clear();
        Assert.Equal(NicCodecError.AnsStackCorrupt, Assert.Throws<NicCodecException>(() => AnsStack.FromMessage(lowState, 5)).Error);

        // A message without its last words runs out: the pop that needs a word finds none.
        Assert.Equal(NicCodecError.AnsStackExhausted, Assert.Throws<NicCodecException>(() => PopAll(message.AsSpan(0, message.Length - 8).ToArray(), 5, cdf, symbols.Length)).Error);

        // Another seed, an extra word, or any flipped bit fails the end check (or runs out).
        Assert.Equal(NicCodecError.AnsStackCorrupt, Assert.Throws<NicCodecException>(() => PopAll(message, 6, cdf, symbols.Length)).Error);
        Assert.Equal(NicCodecError.AnsStackCorrupt, Assert.Throws<NicCodecException>(() => PopAll([.. message, 1, 2, 3, 4], 5, cdf, symbols.Length)).Error);
        for (int bit = 0; bit < message.Length * 8; bit += 3)
        {
            byte[] flipped = (byte[])message.Clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            var error = Assert.Throws<NicCodecException>(() => PopAll(flipped, 5, cdf, symbols.Length));
            Assert.Contains(error.Error, new[] { NicCodecError.AnsStackCorrupt, NicCodecError.AnsStackExhausted });
        }

        PopAll(message, 5, cdf, symbols.Length);
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        var stack = new AnsStack(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => stack.Push(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => stack.Push(65535, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => stack.PushBits(8, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => stack.PopBits(17));
        Assert.Throws<ArgumentOutOfRangeException>(() => stack.Pop((stack.Slot + 1) & 0xFFFF, 1));
        Assert.Equal(NicCodecError.SymbolOutOfRange, Assert.Throws<NicCodecException>(() => stack.Push(1, [0, 100, 100, 65536])).Error);
        Assert.Equal(NicCodecError.InvalidCdf, Assert.Throws<NicCodecException>(() => stack.Push(0, [0, 100, 65535])).Error);
    }

    private static void PopAll(byte[] message, ulong seed, int[] cdf, int count)
    {
        AnsStack stack = AnsStack.FromMessage(message, seed);
        for (int i = 0; i < count; i++)
        {
            stack.Pop(cdf);
        }

        stack.VerifyInitial();
    }

    /// <summary>A CDF over n symbols with random frequencies (some 0).</summary>
    private static int[] RandomCdf(Random random, int n)
    {
        double[] weights = Enumerable.Range(0, n).Select(_ => random.NextDouble() < 0.1 ? 0 : Math.Pow(random.NextDouble(), 4)).ToArray();
        weights[random.Next(n)] += 1;
        double total = weights.Sum();
        var cdf = new int[n + 1];
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += weights[i];
            cdf[i + 1] = (int)Math.Round(65536 * sum / total);
        }

        cdf[n] = 65536;
        return cdf;
    }

    private static int RandomSymbol(Random random, int[] cdf)
    {
        int symbol;
        do
        {
            symbol = random.Next(cdf.Length - 1);
        }
        while (cdf[symbol + 1] == cdf[symbol]);
        return symbol;
    }
}
