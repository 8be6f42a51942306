using Nic.Codec.Inference;

namespace Nic.Codec.Tests.Inference;

/// <summary>How the streams cut the latent's columns into stripes and windows (<see cref="ColumnStripes.Windows"/>).</summary>
public sealed class ColumnStripesTests
{
    [Fact]
    public void WindowsTakeTheHaloOnEachSharedSideClippedToTheLatent()
    {
        Assert.Equal([(0, 32, 0, 35), (32, 65, 29, 65)], ColumnStripes.Windows(65, 3, 2));
        Assert.Equal([(0, 20, 0, 20)], ColumnStripes.Windows(20, 3, 4)); // too narrow for two stripes of 16
    }
}
