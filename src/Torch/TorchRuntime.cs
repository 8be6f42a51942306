using Nic.Torch.Native;
using TorchSharp;

namespace Nic.Torch;

/// <summary>
/// Loads libtorch for Nic.Torch. Loading the assembly already applies the Linux libstdc++ fix (see the README); call
/// <see cref="EnsureLoaded"/> before the first TorchSharp call of a program that may run where libtorch is missing, to
/// get one clear error instead of TorchSharp's. It also checks once that libtorch's oneDNN convolutions are correct on
/// this machine and switches oneDNN off when they are not (see the README); Nic.Torch's models and inference backend
/// run that check themselves.
/// </summary>
public static class TorchRuntime
{
    /// <summary>
    /// Applies the native fix if it has not run, then initialises TorchSharp's CPU backend and checks its convolutions.
    /// </summary>
    /// <exception cref="InvalidOperationException">libtorch cannot be loaded; the message names the cause.</exception>
    public static void EnsureLoaded()
    {
        LibTorchNativeFix.Apply(message => Console.Error.WriteLine(message));
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            using torch.Tensor probe = torch.ones(1);
        }
        catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            Exception cause = e is TypeInitializationException { InnerException: { } inner } ? inner : e;
            throw new InvalidOperationException(
                $"libtorch could not be loaded ({cause.GetType().Name}: {cause.Message}). The native packages are TorchSharp with "
                + $"libtorch-cpu-<platform> (see src/Torch/Nic.Torch.csproj); libstdc++ fix: {LibTorchNativeFix.Summary ?? "not run"}.",
                e);
        }

        OneDnnConvolutionCheck.EnsureChecked();
    }
}
