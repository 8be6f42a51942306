using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Nic.Analyzers.Tests;

/// <summary>The derived denylist (src/Analyzers/ScalarDenylist.Members.cs) against the TorchSharp that the build references.</summary>
public class ScalarDenylistTests
{
    [Theory]
    [InlineData("M:TorchSharp.torch.Tensor.add(TorchSharp.torch.Tensor)")]
    [InlineData("M:TorchSharp.torch.Tensor.add_(TorchSharp.torch.Tensor)")]
    [InlineData("M:TorchSharp.torch.Tensor.add(TorchSharp.Scalar)")]
    [InlineData("M:TorchSharp.torch.Tensor.op_Addition(TorchSharp.torch.Tensor,TorchSharp.torch.Tensor)")]
    [InlineData("M:TorchSharp.torch.Tensor.op_Subtraction(System.Double,TorchSharp.torch.Tensor)")]
    [InlineData("M:TorchSharp.torch.Tensor.op_Multiply(TorchSharp.torch.Tensor,System.Double)")]
    [InlineData("M:TorchSharp.torch.Tensor.square")]
    [InlineData("M:TorchSharp.torch.Tensor.softplus(System.Double,System.Double)")]
    [InlineData("M:TorchSharp.torch.nn.functional.softplus(TorchSharp.torch.Tensor,System.Double,System.Double)")]
    [InlineData("M:TorchSharp.torch.nn.LeakyReLU(System.Double,System.Boolean)")]
    [InlineData("M:TorchSharp.torch.nn.functional.leaky_relu(TorchSharp.torch.Tensor,System.Double,System.Boolean)")]
    [InlineData("M:TorchSharp.Modules.Adam.step(System.Func{TorchSharp.torch.Tensor})")]
    [InlineData("M:TorchSharp.TensorExtensionMethods.ToDouble(TorchSharp.torch.Tensor)")]
    public void TheMembersThatFailedNicTorchAreListed(string id) => Assert.True(ScalarDenylist.Contains(id), id);

    [Theory]
    [InlineData("M:TorchSharp.torch.Tensor.add(TorchSharp.torch.Tensor,TorchSharp.Scalar)")]
    [InlineData("M:TorchSharp.torch.Tensor.mul(TorchSharp.Scalar)")]
    [InlineData("M:TorchSharp.torch.Tensor.pow(TorchSharp.Scalar)")]
    [InlineData("M:TorchSharp.torch.Tensor.op_Subtraction(TorchSharp.torch.Tensor,TorchSharp.torch.Tensor)")]
    [InlineData("M:TorchSharp.torch.Tensor.op_Multiply(TorchSharp.torch.Tensor,TorchSharp.torch.Tensor)")]
    [InlineData("M:TorchSharp.torch.Tensor.leaky_relu(TorchSharp.Scalar)")]
    [InlineData("M:TorchSharp.torch.arange(TorchSharp.Scalar,TorchSharp.Scalar,TorchSharp.Scalar,System.Nullable{TorchSharp.torch.ScalarType},TorchSharp.torch.Device,System.Boolean)")]
    public void TheHeldOverloadsThatNicTorchUsesAreNotListed(string id) => Assert.False(ScalarDenylist.Contains(id), id);

    [Fact]
    public async Task EveryListedMemberExistsInTheReferencedTorchSharp()
    {
        // A TorchSharp upgrade that renames or removes a member leaves a stale line: regenerate the list then.
        var compilation = CSharpCompilation.Create("Probe", references: [MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location),
            .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).Select(p => MetadataReference.CreateFromFile(p))]);
        await Task.Yield();
        string[] missing = ScalarDenylist.All.Where(id => DocumentationCommentId.GetFirstSymbolForDeclarationId(id, compilation) is null).ToArray();
        Assert.True(missing.Length == 0, "not in TorchSharp " + typeof(TorchSharp.torch).Assembly.GetName().Version + ":\n" + string.Join("\n", missing));
        Assert.True(ScalarDenylist.All.Count > 300, $"{ScalarDenylist.All.Count} members");
    }
}
