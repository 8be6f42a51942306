using Nic.Torch.Training;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

/// <summary>The committed digit subset, tests/data/digits/mnist-300.u8, found from the test's output folder upwards.</summary>
internal static class MnistTestData
{
    internal static string SubsetPath
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                string candidate = Path.Combine(directory.FullName, "tests", "data", "digits", "mnist-300.u8");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new FileNotFoundException("tests/data/digits/mnist-300.u8 was not found above " + AppContext.BaseDirectory);
        }
    }

    internal static Tensor LoadSubset() => DigitData.LoadBytes(SubsetPath);
}
