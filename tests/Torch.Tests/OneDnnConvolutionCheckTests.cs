using Nic.Torch.Models;
using Nic.Torch.Native;

namespace Nic.Torch.Tests;

public sealed class OneDnnConvolutionCheckTests
{
    /// <summary>
    /// Once a model has been built, libtorch's convolutions agree with a binary64 reference on shapes with more than 16
    /// input channels, whether this machine's oneDNN computes them correctly or the check had to switch it off.
    /// </summary>
    [Fact]
    public void ConvolutionsAreSoundOnceAModelExists()
    {
        using var model = new FactorizedPriorModel(4, 4);
        Assert.NotNull(OneDnnConvolutionCheck.Summary);
        double error = OneDnnConvolutionCheck.MaxError();
        Assert.True(error <= OneDnnConvolutionCheck.Tolerance, $"largest error {error} ({OneDnnConvolutionCheck.Summary})");
    }
}
