using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

/// <summary>Copies of a module's parameter values, for comparing two training runs.</summary>
internal static class ParameterSnapshot
{
    /// <summary>
    /// Each parameter's values, in <c>named_parameters</c> order. The detached and cloned temporaries live in a dispose
    /// scope until their values are copied out, so a garbage collection cannot free one while libtorch reads it
    /// (scripts/torch-gc-stress.sh crashed in <c>detach().clone()</c> chains without it).
    /// </summary>
    internal static float[][] Of(nn.Module module)
    {
        using var scope = NewDisposeScope();
        return module.named_parameters().Select(p => p.parameter.detach().clone().data<float>().ToArray()).ToArray();
    }
}
