using Microsoft.CodeAnalysis;
using static Nic.Analyzers.Tests.AnalyzerHarness;

namespace Nic.Analyzers.Tests;

/// <summary>
/// NIC0001 on snippets compiled against TorchSharp 0.107: each way of making a Scalar on the spot is flagged at its
/// span, and the held forms (a using local, a readonly field, a TensorArithmetic-style helper) are not.
/// </summary>
public class ScalarLifetimeAnalyzerTests
{
    [Fact]
    public Task ImplicitConversionsOfArgumentsAreFlagged() => AssertDiagnosticsAsync(InClass("""
            static Tensor F(Tensor t)
            {
                Tensor a = t.clamp_min([|0.1|]);
                Tensor b = t.add([|1|], [|2.5f|]);
                Tensor c = t.clamp([|0|], [|255|]);
                Tensor d = full(new long[] { 2, 3 }, [|0.75|]);
                return a.mul(b).mul(c).mul(d).div([|255L|]);
            }
        """));

    [Fact]
    public Task ExplicitConversionsAndToScalarCallsAreFlagged() => AssertDiagnosticsAsync(InClass("""
            static Tensor F(Tensor t)
            {
                Tensor a = t.mul([|(Scalar)0.5|]);
                Tensor b = t.mul([|0.5.ToScalar()|]);
                Tensor c = t.pow([|2.ToScalar()|]);
                double v = [|t.sum().ToScalar()|].ToDouble();
                return a.add(b, [|(Scalar)v|]).sub(c);
            }
        """));

    [Fact]
    public Task ScalarsStoredWithoutBeingHeldAreFlagged() => AssertDiagnosticsAsync(InClass("""
            private Scalar _mutable = [|1.0.ToScalar()|];
            private static Scalar s_mutable = [|2.0|];

            static Scalar Make(double value) => [|value.ToScalar()|];

            static Tensor F(Tensor t)
            {
                Scalar local = [|0.5.ToScalar()|];
                Scalar implicitLocal = [|0.25|];
                Scalar assigned;
                assigned = [|3.ToScalar()|];
                return t.mul(local).mul(implicitLocal).mul(assigned);
            }
        """));

    [Fact]
    public Task HeldScalarsAreAllowed() => AssertDiagnosticsAsync(InClass("""
            private static readonly Scalar One = 1.ToScalar();
            private static readonly Scalar Two = 2;
            private static readonly Scalar Threshold = (Scalar)20.0;
            private readonly Scalar _slope;

            public Snippet(double slope) => _slope = slope.ToScalar();

            Tensor Leaky(Tensor t) => t.leaky_relu(_slope);

            static Tensor Times(Tensor a, double value)
            {
                using Scalar s = value.ToScalar();
                return a.mul(s);
            }

            static Tensor F(Tensor a, Tensor b, double low, double high)
            {
                using var half = 0.5.ToScalar();
                using Scalar implicitHeld = 0.25;
                using Scalar l = low.ToScalar(), h = high.ToScalar();
                using (Scalar statement = (1.0 - low).ToScalar())
                {
                    a = a.add(b, One).pow(Two).mul(half).clamp(l, h).sub(statement);
                }

                // Tensor-with-tensor operators that make no Scalar, and item, which reads no Scalar.
                float first = (a * b - a).sum().item<float>();
                return Times(a, first).mul(implicitHeld).add_(b, One).div(b);
            }
        """));

    [Fact]
    public Task TensorOperatorsWithNumbersAndTheTensorSumAreFlagged() => AssertDiagnosticsAsync(InClass("""
            static Tensor F(Tensor a, Tensor b)
            {
                Tensor sum = [|a + b|];
                Tensor scaled = [|a * 0.5|];
                Tensor flipped = [|0.5 - a|];
                Tensor shifted = [|a + 1|];
                Tensor divided = [|2.0 / b|];
                Tensor rest = [|a % 3|];
                [|sum += b|];
                return ([|scaled - 1f|]).mul(flipped).mul(shifted).mul(divided).mul(rest).mul(sum);
            }
        """));

    [Fact]
    public Task DenylistedTensorMethodsAreFlagged() => AssertDiagnosticsAsync(InClass("""
            static Tensor F(Tensor a, Tensor b)
            {
                Tensor c = [|a.add(b)|];
                [|c.add_(b)|];
                Tensor d = [|a.square()|];
                Tensor e = [|a.softplus()|];
                Tensor f = [|nn.functional.softplus(a)|];
                Tensor g = [|nn.functional.leaky_relu(a, 0.1)|];
                Tensor h = [|square(a)|];
                Tensor i = [|c.addcdiv(a, b)|];
                double v = [|a.sum().ToDouble()|];
                float w = [|a.sum().ToSingle()|];
                Func<Tensor> squareOf = [|a.square|];
                return c.mul(d).mul(e).mul(f).mul(g).mul(h).mul(i).mul(squareOf());
            }
        """));

    [Fact]
    public Task TorchSharpsModulesAndOptimizersThatMakeScalarsAreFlagged() => AssertDiagnosticsAsync(InClass("""
            static void F(IEnumerable<Parameter> parameters, Tensor x)
            {
                using var leaky = [|nn.LeakyReLU(0.2)|];
                using var softplus = [|nn.Softplus()|];
                var adam = [|optim.Adam(parameters, 1e-3)|];
                var adamW = [|optim.AdamW(parameters)|];
                var sgd = [|optim.SGD(parameters, 0.1)|];
                var direct = [|new TorchSharp.Modules.Adam(parameters, 1e-3)|];
                [|adam.step()|];
                [|leaky.forward(x)|];
            }
        """));

    [Fact]
    public Task ADerivedOptimizerWithItsOwnHeldStepIsAllowed() => AssertDiagnosticsAsync("""
        using System;
        using System.Collections.Generic;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        internal sealed class HeldAdam : TorchSharp.Modules.Adam
        {
            private static readonly Scalar One = 1.ToScalar();

            public HeldAdam(IEnumerable<Parameter> parameters, double learningRate)
                : base(parameters, lr: learningRate)
            {
            }

            public override Tensor step(Func<Tensor>? closure = null) => One.ToDouble() > 0 ? null! : [|base.step(closure)|];

            internal static void Train(IEnumerable<Parameter> parameters)
            {
                var adam = new HeldAdam(parameters, 1e-3);
                adam.step();
                optim.Optimizer asBase = adam;
                asBase.zero_grad();
            }
        }
        """);

    [Fact]
    public async Task TheMessageNamesTheCallAndTheHeldAlternative()
    {
        var diagnostics = await AnalyzeAsync(InClass("""
                static Tensor F(Tensor a, Tensor b) => a.clamp_min(0.1).add(b).square();
            """));
        string[] messages = diagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).OrderBy(m => m, StringComparer.Ordinal).ToArray();
        Assert.Equal(3, messages.Length);
        Assert.All(diagnostics, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
        Assert.Contains(messages, m => m.Contains("'0.1' to Scalar", StringComparison.Ordinal) && m.Contains("TensorArithmetic", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("torch.Tensor.add(torch.Tensor)", StringComparison.Ordinal) && m.Contains("TensorArithmetic.Plus", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("torch.Tensor.square()", StringComparison.Ordinal) && m.Contains("TensorArithmetic.Squared", StringComparison.Ordinal));
    }

    [Fact]
    public Task CodeWithoutTorchSharpIsIgnored() => AssertDiagnosticsAsync("""
        internal static class Plain
        {
            internal static double F(double x) => (x * 0.5) + 1;
        }
        """);
}
