using Nic.Codec.Models;

namespace Nic.Codec.Tests.Models;

public class GdnParametersTests
{
    [Fact]
    public void ConstantsAreCompressais()
    {
        Assert.Equal(0x2D800000, BitConverter.SingleToInt32Bits(GdnParameters.Pedestal)); // 2^-36
        Assert.Equal(0x36800000, BitConverter.SingleToInt32Bits(GdnParameters.GammaBound)); // 2^-18
        Assert.Equal(0x3A8312AD, BitConverter.SingleToInt32Bits(GdnParameters.BetaBound)); // sqrt(1e-6 + 2^-36) ≈ 1.00000727e-3
    }

    [Fact]
    public void EffectiveValuesMatchHandComputation()
    {
        // beta: 1 → 1 − 2^-36 rounds to 1; 0.5 → 0.25; 0 and −2 → bound² − pedestal = 1.00001455e-6 − 2^-36 ≈ 9.99999997e-7.
        // gamma: 2^-10 → 2^-20 − 2^-36 (exact in binary32); 0 and −3 → 2^-36 − 2^-36 = 0; 3 → 9.
        var (beta, gamma) = GdnParameters.Effective([1f, 0.5f, 0f, -2f], [
            MathF.Pow(2, -10), 0f, -3f, 3f,
            1f, 0.1f, 2f, 0f,
            0f, 0f, 0f, 0f,
            0f, 0f, 0f, 1.5f,
        ]);
        Assert.Equal([1f, 0.25f, 9.99999997e-7f, 9.99999997e-7f], beta);
        Assert.Equal(0x3A8312AD, BitConverter.SingleToInt32Bits(GdnParameters.BetaBound));
        Assert.Equal(BitConverter.SingleToInt32Bits(9.99999997e-7f), BitConverter.SingleToInt32Bits(beta[2]));
        Assert.Equal(0x357FFF00, BitConverter.SingleToInt32Bits(gamma[0])); // 2^-20 · (1 − 2^-16)
        Assert.Equal(0f, gamma[1]);
        Assert.Equal(0f, gamma[2]);
        Assert.Equal(9f, gamma[3]);
        Assert.Equal(1f, gamma[4]);
        Assert.Equal(0.1f * 0.1f, gamma[5]);
        Assert.Equal(2.25f, gamma[15]);
    }

    [Fact]
    public void FactoryInitialisationGivesUnitBetaAndTenthIdentityGamma()
    {
        NicModelFile model = ModelFactory.LoadRandom(ModelArchitectureKind.Bmshj2018Factorized, 3, 4, seed: 1);
        var (beta, gamma) = GdnParameters.Effective(model.GetFloat32("g_s.3.beta").Span, model.GetFloat32("g_s.3.gamma").Span);
        Assert.All(beta, b => Assert.Equal(1f, b, 1e-6f));
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal(i == j ? 0.1f : 0f, gamma[(i * 3) + j], 1e-6f);
            }
        }
    }

    [Fact]
    public void MismatchedGammaIsACallerError() =>
        Assert.Throws<ArgumentException>(() => GdnParameters.Effective([1f, 1f], [1f, 1f, 1f]));
}
