using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Nic.Torch.Native;

/// <summary>
/// Guards against a libtorch whose oneDNN (MKL-DNN) convolution computes wrong values on the machine it runs on. With
/// libtorch 2.10 (oneDNN 3.7.1) on some AVX-512 machines (seen on an AMD EPYC Zen 5 guest), a forward convolution whose
/// input channels are above 16 and not a multiple of 16 (kernel 5 or 7; 20 in tfc-mnist's second layer) reads
/// uninitialised channel padding: its results are off by order 1 or NaN, and vary with the thread count. Nic's design
/// needs the TorchSharp transforms to agree with the managed engine up to float rounding, so once per process a few
/// small convolutions of that kind are compared with a binary64 reference; when they are wrong, libtorch's oneDNN is
/// switched off (<c>at::globalContext().setUserEnabledMkldnn(false)</c>, as PyTorch's
/// <c>torch.backends.mkldnn.enabled = False</c>) and one line is logged. libtorch's own convolutions then run instead:
/// correct, though slower for some shapes (the tfc-mnist tutorial trains at 8 steps/s instead of about 14 here).
/// </summary>
internal static class OneDnnConvolutionCheck
{
    /// <summary>The largest error accepted from a test convolution (float rounding stays near 1e-5).</summary>
    internal const double Tolerance = 1e-3;

    private static readonly OncePerProcess Once = new(Run);

    /// <summary>What the check found in this process: null before it has run.</summary>
    internal static string? Summary => Once.Summary;

    /// <summary>As <see cref="Apply"/>, logging to standard error (as <see cref="LibTorchNativeFix"/> does).</summary>
    internal static void EnsureChecked() => Apply(message => Console.Error.WriteLine(message));

    /// <summary>Runs the check once per process (later calls return at once); logs one line when it switches oneDNN off.</summary>
    internal static void Apply(Action<string> log) => Once.Apply(log);

    /// <summary>The largest error of libtorch's convolution on the test shapes (+∞ for a non-finite result).</summary>
    internal static double MaxError()
    {
        double worst = 0;
        var random = new Random(20250101);
        foreach ((int inputs, int outputs, int side, int kernel, int stride) in new[] { (20, 4, 12, 5, 2), (24, 4, 10, 5, 1), (17, 8, 9, 5, 2), (40, 3, 8, 7, 1) })
        {
            worst = Math.Max(worst, Error(random, inputs, outputs, side, kernel, stride));
        }

        return worst;
    }

    private static string Run(Action<string> log)
    {
        double error = MaxError();
        if (error <= Tolerance)
        {
            return $"sound (largest error {error:G3})";
        }

        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            log($"Nic.Torch: libtorch's oneDNN convolution gives wrong results on this machine (largest error {error:G3} on a test convolution); TorchSharp results will not match the managed engine.");
            return $"wrong (largest error {error:G3}); oneDNN left on: disabling it is implemented for linux-x64 only";
        }

        try
        {
            SetUserEnabledMkldnn(GlobalContext(), false);

            // Without oneDNN, libtorch tries NNPACK for some convolutions; on a machine NNPACK does not support, every
            // such call fails over to the native kernels and prints "Could not initialize NNPACK" to stderr. Off too.
            SetUserEnabledNnpack(GlobalContext(), false);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            log($"Nic.Torch: libtorch's oneDNN convolution gives wrong results on this machine (largest error {error:G3}), and oneDNN could not be disabled ({e.GetType().Name}: {e.Message}).");
            return $"wrong (largest error {error:G3}); disabling oneDNN failed: {e.Message}";
        }

        double after = MaxError();
        log($"Nic.Torch: libtorch's oneDNN convolution gives wrong results on this machine (largest error {error:G3} on a test convolution with more than 16 input channels); oneDNN is disabled for this process (largest error now {after:G3}).");
        return $"wrong (largest error {error:G3}); oneDNN disabled, largest error now {after:G3}";
    }

    private static double Error(Random random, int inputs, int outputs, int side, int kernel, int stride)
    {
        float[] x = Values(random, inputs * side * side);
        float[] w = Values(random, outputs * inputs * kernel * kernel);
        float[] b = Values(random, outputs);
        float[] result;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            Tensor output = nn.functional.conv2d(
                tensor(x, [1, inputs, side, side]),
                tensor(w, [outputs, inputs, kernel, kernel]),
                tensor(b),
                strides: [stride, stride],
                padding: [kernel / 2, kernel / 2]);
            result = TensorData.ToArray<float>(output);
        }

        int outSide = ((side - 1) / stride) + 1, pad = kernel / 2;
        double worst = 0;
        for (int co = 0; co < outputs; co++)
        {
            for (int oy = 0; oy < outSide; oy++)
            {
                for (int ox = 0; ox < outSide; ox++)
                {
                    double sum = b[co];
                    for (int ci = 0; ci < inputs; ci++)
                    {
                        for (int ky = 0; ky < kernel; ky++)
                        {
                            int iy = (oy * stride) + ky - pad;
                            if (iy < 0 || iy >= side)
                            {
                                continue;
                            }

                            for (int kx = 0; kx < kernel; kx++)
                            {
                                int ix = (ox * stride) + kx - pad;
                                if (ix >= 0 && ix < side)
                                {
                                    sum += (double)w[(((co * inputs) + ci) * kernel + ky) * kernel + kx] * x[(((ci * side) + iy) * side) + ix];
                                }
                            }
                        }
                    }

                    double error = Math.Abs(sum - result[(((co * outSide) + oy) * outSide) + ox]);
                    worst = double.IsFinite(error) ? Math.Max(worst, error) : double.PositiveInfinity;
                }
            }
        }

        return worst;
    }

    private static float[] Values(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(random.NextDouble() - 0.5);
        }

        return values;
    }

    /// <summary><c>at::globalContext()</c> (Itanium C++ ABI name).</summary>
    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    internal static extern IntPtr GlobalContext();

    /// <summary><c>at::Context::setUserEnabledMkldnn(bool)</c> on the context <paramref name="context"/> (Itanium C++ ABI name).</summary>
    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    /// <summary><c>at::Context::setUserEnabledNNPACK(bool)</c>.</summary>
    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);
}
