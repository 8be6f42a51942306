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

    [Fact]
    public void AlignedWindowsWidenToMultiplesOfTheAlignmentWithinTheLatent()
    {
        // What g_a's Winograd layers ask (spec/nic-model.md §10.3): windows from and to even latent columns.
        Assert.Equal([(0, 32, 0, 36), (32, 65, 28, 65)], ColumnStripes.Windows(65, 3, 2, alignment: 2));
        Assert.Equal([(0, 33, 0, 36), (33, 66, 30, 70), (66, 100, 62, 100)], ColumnStripes.Windows(100, 3, 3, alignment: 2));
        Assert.Equal([(0, 33, 0, 36), (33, 66, 28, 72), (66, 100, 60, 100)], ColumnStripes.Windows(100, 3, 3, alignment: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => ColumnStripes.Windows(100, 3, 3, alignment: 0).ToArray());
    }
}
