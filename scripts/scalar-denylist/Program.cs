// Derives NIC0001's denylist (src/Analyzers/ScalarDenylist.Members.cs) from TorchSharp's source: every public or
// protected member of TorchSharp that makes a Scalar nothing holds (rule 1 of the analyzer, ScalarLifetimeAnalyzer.IsHeld,
// applied to TorchSharp's own code: a number converted to a Scalar, a ToScalar() whose result is not held; members that
// return the Scalar they make are left to their callers), or calls one that does, directly or through other members;
// plus the constructors of, and the static factories returning, the modules and optimizers whose own override (forward,
// step) does. Calls to a base constructor (": base(...)") are not followed, as the analyzer allows them.
// Usage (scripts/scalar-denylist.sh): dotnet run --project scripts/scalar-denylist -- <TorchSharp checkout>/src/TorchSharp <output .cs>
// TorchSharp's dependencies (Google.Protobuf, SharpZipLib, SkiaSharp) are referenced from the NuGet cache when there;
// without them only the members that use them (tensorboard, image IO) fail to bind.
using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

string root = args[0];
string output = args[1];
string nuget = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget/packages");

// The newest cached version's assemblies for one target framework, or none.
IEnumerable<string> Cached(string package, string framework) =>
    Directory.Exists(Path.Combine(nuget, package))
        ? Directory.EnumerateDirectories(Path.Combine(nuget, package)).Order(StringComparer.Ordinal).TakeLast(1)
            .Select(d => Path.Combine(d, "lib", framework)).Where(Directory.Exists).SelectMany(d => Directory.EnumerateFiles(d, "*.dll"))
        : [];
var parse = new CSharpParseOptions(LanguageVersion.Latest, preprocessorSymbols: ["NET8_0_OR_GREATER", "NET6_0_OR_GREATER", "NET5_0_OR_GREATER", "NETCOREAPP", "NET", "NETCOREAPP3_1_OR_GREATER"]);
var trees = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
    .Where(f => !f.EndsWith("netstandard.cs") && !f.Contains("/TorchVision/") && !f.Contains("/obj/"))
    .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, f)).ToList();
var refs = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
    .Concat(Cached("google.protobuf", "net5.0"))
    .Concat(Cached("sharpziplib", "net6.0"))
    .Concat(Cached("skiasharp", "net6.0"))
    .Select(p => MetadataReference.CreateFromFile(p));
var compilation = CSharpCompilation.Create("TorchSharp", trees, refs,
    new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
int errors = compilation.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error);
Console.Error.WriteLine($"{trees.Count} files, {errors} compile errors");

INamedTypeSymbol scalar = compilation.GetTypeByMetadataName("TorchSharp.Scalar")!;
INamedTypeSymbol module = compilation.GetTypeByMetadataName("TorchSharp.torch+nn+Module")!;
INamedTypeSymbol optimizer = compilation.GetTypeByMetadataName("TorchSharp.torch+optim+Optimizer")!;
var comparer = SymbolEqualityComparer.Default;
var why = new Dictionary<ISymbol, string>(comparer);              // direct makers: the line that makes the Scalar
var callers = new Dictionary<ISymbol, HashSet<ISymbol>>(comparer); // callee → callers

static ISymbol Norm(IMethodSymbol m) => (m.ReducedFrom ?? m).OriginalDefinition;

foreach (SyntaxTree tree in trees)
{
    SemanticModel model = compilation.GetSemanticModel(tree);
    foreach (SyntaxNode decl in tree.GetRoot().DescendantNodes().Where(n => n is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or PropertyDeclarationSyntax { ExpressionBody: not null }))
    {
        if (decl is AccessorDeclarationSyntax && decl.Parent?.Parent is null) continue;
        ISymbol? member = model.GetDeclaredSymbol(decl);
        if (member is IPropertySymbol p) member = p.GetMethod;
        if (member is not IMethodSymbol method) continue;
        member = method.OriginalDefinition;
        bool returnsScalar = comparer.Equals(method.ReturnType, scalar);
        SyntaxNode? body = decl switch
        {
            BaseMethodDeclarationSyntax b => (SyntaxNode?)b.Body ?? b.ExpressionBody,
            AccessorDeclarationSyntax a => (SyntaxNode?)a.Body ?? a.ExpressionBody,
            PropertyDeclarationSyntax pd => pd.ExpressionBody,
            _ => null,
        };
        var roots = new List<SyntaxNode>();
        if (body is not null) roots.Add(body);
        if (decl is ConstructorDeclarationSyntax { Initializer: { } init }) roots.Add(init);
        foreach (SyntaxNode r in roots)
        {
            IOperation? op = model.GetOperation(r is ArrowExpressionClauseSyntax arrow ? arrow.Expression : r);
            if (op is null) continue;
            foreach (IOperation o in op.DescendantsAndSelf())
            {
                IMethodSymbol? target = o switch
                {
                    IInvocationOperation i when !(i.TargetMethod.MethodKind == MethodKind.Constructor && i.Instance is IInstanceReferenceOperation) => i.TargetMethod,
                    IObjectCreationOperation c => c.Constructor,
                    IBinaryOperation b => b.OperatorMethod,
                    IUnaryOperation u => u.OperatorMethod,
                    ICompoundAssignmentOperation ca => ca.OperatorMethod,
                    IMethodReferenceOperation mr => mr.Method,
                    IPropertyReferenceOperation pr => pr.Property.GetMethod,
                    _ => null,
                };
                bool makes = !returnsScalar && (
                    (o is IConversionOperation { OperatorMethod: { } conv } cv && comparer.Equals(conv.ReturnType, scalar) && !comparer.Equals(cv.Operand.Type, scalar) && !Nic.Analyzers.ScalarLifetimeAnalyzer.IsHeld(o))
                    || (o is IInvocationOperation inv && comparer.Equals(inv.TargetMethod.ReturnType, scalar) && !Nic.Analyzers.ScalarLifetimeAnalyzer.IsHeld(o)));
                if (makes && !why.ContainsKey(member))
                {
                    var span = o.Syntax.GetLocation().GetLineSpan();
                    why[member] = $"{Path.GetRelativePath(Path.GetDirectoryName(root)!, span.Path)}:{span.StartLinePosition.Line + 1}: {o.Syntax.ToString().Replace('\n', ' ')}";
                }

                if (target is not null && target.ContainingAssembly is { } a && SymbolEqualityComparer.Default.Equals(a, compilation.Assembly))
                {
                    ISymbol callee = Norm(target);
                    if (!callers.TryGetValue(callee, out var set)) callers[callee] = set = new(comparer);
                    set.Add(member);
                }
            }
        }
    }
}

// Transitive closure over callers, then modules and optimizers whose own override makes one: their constructors and
// the factories that return them.
var tainted = new Dictionary<ISymbol, string>(why, comparer);
void Close()
{
    var queue = new Queue<ISymbol>(tainted.Keys);
    while (queue.Count > 0)
    {
        ISymbol s = queue.Dequeue();
        if (!callers.TryGetValue(s, out var cs)) continue;
        foreach (ISymbol c in cs)
        {
            if (tainted.TryAdd(c, "via " + s.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat))) queue.Enqueue(c);
        }
    }
}

static bool DerivesFrom(INamedTypeSymbol? t, INamedTypeSymbol b)
{
    for (; t is not null; t = t.BaseType) if (SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, b)) return true;
    return false;
}

for (int round = 0; round < 3; round++)
{
    Close();
    var types = tainted.Keys.OfType<IMethodSymbol>()
        .Where(m => m.IsOverride && m.MethodKind == MethodKind.Ordinary && m.ContainingType is { TypeKind: TypeKind.Class } t && (DerivesFrom(t, module) || DerivesFrom(t, optimizer)) && !comparer.Equals(t.OriginalDefinition, module) && !comparer.Equals(t.OriginalDefinition, optimizer))
        .GroupBy(m => m.ContainingType.OriginalDefinition, comparer).ToList();
    foreach (var g in types)
    {
        var type = (INamedTypeSymbol)g.Key!;
        string reason = $"its {g.First().Name} makes a Scalar";
        foreach (IMethodSymbol ctor in type.InstanceConstructors) tainted.TryAdd(ctor, reason);
        foreach (INamedTypeSymbol t in compilation.GetSymbolsWithName(_ => true, SymbolFilter.Type).OfType<INamedTypeSymbol>())
        {
            foreach (IMethodSymbol m in t.GetMembers().OfType<IMethodSymbol>().Where(m => m.IsStatic && comparer.Equals(m.ReturnType.OriginalDefinition, type)))
            {
                tainted.TryAdd(m, $"returns {type.Name}, " + reason);
            }
        }
    }
}

static bool Visible(ISymbol s)
{
    for (ISymbol? x = s; x is not null and not INamespaceSymbol; x = x.ContainingSymbol)
    {
        if (x.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal)) return false;
    }

    return true;
}

var lines = tainted.Where(kv => Visible(kv.Key) && kv.Key is IMethodSymbol)
    .Select(kv => (Id: kv.Key.GetDocumentationCommentId()!, Why: kv.Value))
    .Where(x => x.Id is not null)
    .Distinct()
    .OrderBy(x => x.Id, StringComparer.Ordinal).ToList();
var sb = new StringBuilder();
foreach (var (id, w) in lines) sb.Append("        \"").Append(id).Append("\", // ").Append(w.Length > 110 ? w[..110] + "…" : w).Append('\n');
File.WriteAllText(output,
    "// Generated by scripts/scalar-denylist from TorchSharp's source (see ScalarDenylist.cs); do not edit by hand.\n" +
    "// Each line: a public TorchSharp member that makes a Scalar that nothing holds, and where: the file and line of\n" +
    "// TorchSharp's own source that makes it, \"via\" the member it calls that does, or the module/optimizer whose\n" +
    "// forward/step does.\n" +
    "namespace Nic.Analyzers;\n\ninternal static partial class ScalarDenylist\n{\n    private static readonly string[] Members =\n    [\n" +
    sb.ToString() + "    ];\n}\n");
Console.Error.WriteLine($"{why.Count} direct makers, {tainted.Count} tainted, {lines.Count} public");
