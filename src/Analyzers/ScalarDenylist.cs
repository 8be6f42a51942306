using System;
using System.Collections.Generic;

namespace Nic.Analyzers;

/// <summary>
/// The TorchSharp 0.107 members that make a <c>Scalar</c> inside themselves and let it go while libtorch still reads
/// it (NIC0001's rule 2), and the held alternative that the diagnostic names for each.
/// </summary>
/// <remarks>
/// <para>
/// The members (<see cref="Members"/>, in ScalarDenylist.Members.cs) are derived, not chosen: scripts/scalar-denylist
/// compiles TorchSharp's own source (github.com/dotnet/TorchSharp at the 0.107.0 release, src/TorchSharp) with
/// Roslyn, finds every member where rule 1 would fire (a number converted to a Scalar, or a <c>ToScalar()</c> whose
/// result nothing holds: <c>add(target, 1)</c>, <c>pow(2)</c>, the β and threshold of softplus, the constants of an
/// optimizer's step, <c>ToScalar().ToDouble()</c>), then adds every member that calls one of those, directly or
/// through others, and the constructors and factories of the modules and optimizers whose own forward or step does
/// (<c>nn.LeakyReLU</c>, <c>optim.Adam</c>). The list keeps the public and protected ones by documentation ID. After a
/// TorchSharp upgrade, run the script again and review the diff.
/// </para>
/// <para>
/// A derived class that overrides the offending member (Nic.Torch.Training.Adam overrides step) is not flagged: its
/// own override is not TorchSharp's, and the call to the base constructor is allowed.
/// </para>
/// </remarks>
internal static partial class ScalarDenylist
{
    /// <summary>A denylisted member: the held alternative to name in the diagnostic.</summary>
    internal sealed class Entry
    {
        internal Entry(string alternative) => Alternative = alternative;

        /// <summary>What to use instead.</summary>
        internal string Alternative { get; }
    }

    private const string DefaultAlternative =
        "call the overload that takes a Scalar with one held by 'using Scalar s = value.ToScalar();' (or a static readonly field), or add a helper to Nic.Torch.TensorArithmetic";

    // The held alternatives of the members that Nic.Torch would reach for, by documentation-ID prefix (first match).
    private static readonly (string Prefix, string Alternative)[] Alternatives =
    [
        ("M:TorchSharp.torch.Tensor.add_(", "use TensorArithmetic.PlusInPlace, or add_ with a held alpha"),
        ("M:TorchSharp.torch.Tensor.add(", "use TensorArithmetic.Plus, or add with a held alpha"),
        ("M:TorchSharp.torch.add(", "use TensorArithmetic.Plus, or add with a held alpha"),
        ("M:TorchSharp.torch.Tensor.op_Addition(", "use TensorArithmetic.Plus (a + b, a + value)"),
        ("M:TorchSharp.torch.Tensor.op_Subtraction(TorchSharp.torch.Tensor,", "use TensorArithmetic.Minus (a − value)"),
        ("M:TorchSharp.torch.Tensor.op_Subtraction(", "use TensorArithmetic.Minus on the negated tensor, or rsub with a held Scalar and alpha"),
        ("M:TorchSharp.torch.Tensor.op_Multiply(", "use TensorArithmetic.Times"),
        ("M:TorchSharp.torch.Tensor.op_Division(", "use TensorArithmetic.DividedBy"),
        ("M:TorchSharp.torch.Tensor.square", "use TensorArithmetic.Squared"),
        ("M:TorchSharp.torch.square", "use TensorArithmetic.Squared"),
        ("M:TorchSharp.torch.Tensor.softplus", "use TensorArithmetic.Softplus"),
        ("M:TorchSharp.torch.nn.functional.softplus", "use TensorArithmetic.Softplus"),
        ("M:TorchSharp.torch.nn.Softplus", "use TensorArithmetic.Softplus"),
        ("M:TorchSharp.Modules.Softplus", "use TensorArithmetic.Softplus"),
        ("M:TorchSharp.torch.nn.LeakyReLU", "use Nic.Torch.Layers.LeakyRelu"),
        ("M:TorchSharp.Modules.LeakyReLU", "use Nic.Torch.Layers.LeakyRelu"),
        ("M:TorchSharp.torch.nn.functional.leaky_relu", "use Nic.Torch.Layers.LeakyRelu or Tensor.leaky_relu with a held slope"),
        ("M:TorchSharp.torch.Tensor.leaky_relu", "use Tensor.leaky_relu with a held slope"),
        ("M:TorchSharp.torch.optim.Adam(", "use Nic.Torch.Training.Adam"),
        ("M:TorchSharp.Modules.Adam", "use Nic.Torch.Training.Adam"),
        ("M:TorchSharp.torch.optim.", "use Nic.Torch.Training.Adam, or write the optimizer's step with held Scalars as it does"),
        ("M:TorchSharp.Modules.", "write the module with held Scalars, as Nic.Torch.Layers.LeakyRelu does"),
        ("M:TorchSharp.TensorExtensionMethods.To", "use Tensor.item<T>(), which reads the value without a Scalar"),
    ];

    // Set in the static constructor, which runs after the field initializers of both partial files (Members is in the
    // other one, and the order of initializers across partial files is unspecified).
    private static readonly HashSet<string> MemberSet;

    static ScalarDenylist() => MemberSet = new(Members, StringComparer.Ordinal);

    /// <summary>The entry for a member's documentation ID, or null when the member is not denylisted.</summary>
    internal static Entry? Find(string documentationId)
    {
        if (!MemberSet.Contains(documentationId))
        {
            return null;
        }

        foreach ((string prefix, string alternative) in Alternatives)
        {
            if (documentationId.StartsWith(prefix, StringComparison.Ordinal))
            {
                return new Entry(alternative);
            }
        }

        return new Entry(DefaultAlternative);
    }

    /// <summary>Every denylisted documentation ID (for tests).</summary>
    internal static IReadOnlyCollection<string> All => MemberSet;

    /// <summary>Whether a member is denylisted (for tests).</summary>
    internal static bool Contains(string documentationId) => MemberSet.Contains(documentationId);
}
