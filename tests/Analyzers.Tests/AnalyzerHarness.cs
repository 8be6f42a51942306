using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Nic.Analyzers.Tests;

/// <summary>
/// Compiles a C# snippet against TorchSharp with <see cref="ScalarLifetimeAnalyzer"/> and compares its diagnostics
/// with the spans marked <c>[|…|]</c> in the snippet.
/// </summary>
internal static class AnalyzerHarness
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(TorchSharp.torch).Assembly.Location)
            .Distinct()
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray());

    /// <summary>The snippet's body, inside a class with TorchSharp's usings.</summary>
    internal static string InClass(string members) => $$"""
        using System;
        using System.Collections.Generic;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        internal sealed class Snippet
        {
        {{members}}
        }
        """;

    /// <summary>Asserts that NIC0001 is reported exactly at the marked spans (and that the snippet compiles).</summary>
    internal static async Task AssertDiagnosticsAsync(string markup)
    {
        (string source, List<TextSpan> expected) = Parse(markup);
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeAsync(source);
        var actual = diagnostics.Where(d => d.Id == ScalarLifetimeAnalyzer.DiagnosticId).Select(d => d.Location.SourceSpan).OrderBy(s => s.Start).ToList();
        string Show(IEnumerable<TextSpan> spans) => string.Join(", ", spans.Select(s => $"'{source.Substring(s.Start, s.Length)}'@{s.Start}"));
        Assert.True(expected.SequenceEqual(actual), $"expected [{Show(expected)}]\nactual   [{Show(actual)}]\n{string.Join("\n", diagnostics)}");
    }

    /// <summary>The compiler's errors and the analyzer's diagnostics for a snippet; fails on a compile error.</summary>
    internal static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(string source)
    {
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Diagnostic[] errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, "the snippet does not compile:\n" + string.Join("\n", errors.Select(e => e.ToString())));
        return await compilation.WithAnalyzers([new ScalarLifetimeAnalyzer()]).GetAnalyzerDiagnosticsAsync();
    }

    private static (string Source, List<TextSpan> Spans) Parse(string markup)
    {
        var source = new StringBuilder();
        var spans = new List<TextSpan>();
        var open = new Stack<int>();
        for (int i = 0; i < markup.Length; i++)
        {
            if (string.CompareOrdinal(markup, i, "[|", 0, 2) == 0)
            {
                open.Push(source.Length);
                i++;
            }
            else if (string.CompareOrdinal(markup, i, "|]", 0, 2) == 0)
            {
                int start = open.Pop();
                spans.Add(TextSpan.FromBounds(start, source.Length));
                i++;
            }
            else
            {
                source.Append(markup[i]);
            }
        }

        Assert.Empty(open);
        return (source.ToString(), spans.OrderBy(s => s.Start).ToList());
    }
}
