using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Nic.Analyzers;

/// <summary>
/// NIC0001: a TorchSharp <c>Scalar</c> made on the spot. TorchSharp 0.107 hands a Scalar's native handle to libtorch
/// and keeps no reference to the managed object during the native call, so a Scalar that nothing holds (an implicit
/// conversion from a number, or one that TorchSharp makes inside a member) can be finalized by a garbage collection
/// on another thread while libtorch reads it (src/Torch/TensorArithmetic.cs explains the fault).
/// </summary>
/// <remarks>
/// Two rules, both on operations:
/// <list type="number">
/// <item>A conversion to <c>TorchSharp.Scalar</c> (a user-defined implicit or explicit operator) or a TorchSharp call
/// that returns a new Scalar (<c>ToScalar()</c>) is allowed only where its result is held for as long as it is used:
/// the initializer of a <c>using</c> local (<c>using Scalar s = x.ToScalar();</c>, <c>using var</c>, a using
/// statement) or of a readonly field (static, or an instance field that a constructor of its type sets, which the
/// object holds for its lifetime and disposes). Anything else, such as a call's argument or an operator's operand, is
/// flagged.</item>
/// <item>A use of a TorchSharp member that makes a Scalar inside itself (<see cref="ScalarDenylist"/>) is flagged:
/// calls, constructors, operators (also compound ones such as <c>+=</c>) and method groups.</item>
/// </list>
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ScalarLifetimeAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The diagnostic's identifier.</summary>
    public const string DiagnosticId = "NIC0001";

    private const string ScalarTypeName = "TorchSharp.Scalar";
    private const string TorchSharpAssemblyName = "TorchSharp";

    private static readonly DiagnosticDescriptor Rule = new(
        DiagnosticId,
        title: "TorchSharp Scalar made on the spot",
        messageFormat: "{0} makes a TorchSharp Scalar that nothing holds during the native call; {1}",
        category: "Reliability",
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "TorchSharp passes a Scalar's native handle to libtorch without keeping the managed object alive, so a garbage collection on another thread can free it mid-call. Hold every Scalar in a using local or a readonly field, or use the helpers of src/Torch/TensorArithmetic.cs, src/Torch/Layers/LeakyRelu.cs and src/Torch/Training/Adam.cs.");

    private const string HeldAlternative =
        "use a Nic.Torch.TensorArithmetic helper (Plus, Minus, Times, DividedBy, AtLeast, AtMost, ClampedTo, Full, ...) or hold it: 'using Scalar s = value.ToScalar();' or a static readonly field";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            INamedTypeSymbol? scalar = start.Compilation.GetTypeByMetadataName(ScalarTypeName);
            if (scalar is null || scalar.ContainingAssembly.Name != TorchSharpAssemblyName)
            {
                return;
            }

            start.RegisterOperationAction(c => AnalyzeConversion(c, scalar), OperationKind.Conversion);
            start.RegisterOperationAction(c => AnalyzeMember(c, scalar), OperationKind.Invocation, OperationKind.ObjectCreation,
                OperationKind.Binary, OperationKind.Unary, OperationKind.CompoundAssignment, OperationKind.MethodReference);
        });
    }

    private static void AnalyzeConversion(OperationAnalysisContext context, INamedTypeSymbol scalar)
    {
        var conversion = (IConversionOperation)context.Operation;
        if (conversion.OperatorMethod is not { } method || !SymbolEqualityComparer.Default.Equals(method.ReturnType, scalar)
            || SymbolEqualityComparer.Default.Equals(conversion.Operand.Type, scalar) || IsHeld(conversion))
        {
            return;
        }

        string from = conversion.Operand.Type?.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat) ?? "a value";
        context.ReportDiagnostic(Diagnostic.Create(Rule, conversion.Syntax.GetLocation(), $"The conversion of {from} '{conversion.Operand.Syntax}' to Scalar", HeldAlternative));
    }

    private static void AnalyzeMember(OperationAnalysisContext context, INamedTypeSymbol scalar)
    {
        IOperation operation = context.Operation;
        IMethodSymbol? method = operation switch
        {
            IInvocationOperation invocation => invocation.TargetMethod,
            IObjectCreationOperation creation => creation.Constructor,
            IBinaryOperation binary => binary.OperatorMethod,
            IUnaryOperation unary => unary.OperatorMethod,
            ICompoundAssignmentOperation compound => compound.OperatorMethod,
            IMethodReferenceOperation reference => reference.Method,
            _ => null,
        };
        if (method is null || method.ContainingAssembly?.Name != TorchSharpAssemblyName)
        {
            return;
        }

        // Rule 1 for calls: a TorchSharp call that returns a new Scalar (the ToScalar() extensions, Tensor.ToScalar()).
        if (operation is IInvocationOperation && SymbolEqualityComparer.Default.Equals(method.ReturnType, scalar) && !IsHeld(operation))
        {
            context.ReportDiagnostic(Diagnostic.Create(Rule, operation.Syntax.GetLocation(), $"'{Describe(method)}'", HeldAlternative));
            return;
        }

        // Rule 2: a member that makes a Scalar inside itself. A constructor reached from a derived class's constructor
        // (": base(...)") is an invocation and not a creation: it is allowed, the derived class being the held version.
        if (operation is IInvocationOperation { Instance: IInstanceReferenceOperation } && method.MethodKind == MethodKind.Constructor)
        {
            return;
        }

        string? id = (method.ReducedFrom ?? method).OriginalDefinition.GetDocumentationCommentId();
        if (id is not null && ScalarDenylist.Find(id) is { } entry)
        {
            context.ReportDiagnostic(Diagnostic.Create(Rule, operation.Syntax.GetLocation(), $"'{Describe(method)}'", entry.Alternative));
        }
    }

    private static string Describe(IMethodSymbol method) =>
        (method.ReducedFrom ?? method).ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);

    /// <summary>
    /// Whether a new Scalar (a conversion or a call's result) is the initializer of a using local or of a readonly
    /// field, which hold it until it is disposed.
    /// </summary>
    internal static bool IsHeld(IOperation created)
    {
        IOperation? parent = created.Parent;
        while (parent is IParenthesizedOperation or IConversionOperation { OperatorMethod: null })
        {
            parent = parent.Parent;
        }

        switch (parent)
        {
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Parent: IVariableDeclarationOperation declaration } }:
                IOperation? owner = declaration.Parent is IVariableDeclarationGroupOperation group ? group.Parent : declaration.Parent;
                return owner is IUsingDeclarationOperation or IUsingOperation;
            case IFieldInitializerOperation fieldInitializer:
                return fieldInitializer.InitializedFields.All(static f => f.IsReadOnly);
            case ISimpleAssignmentOperation { Target: IFieldReferenceOperation field }:
                // A readonly field set in a constructor of its own type (the only place C# lets one be assigned).
                return field.Field.IsReadOnly;
            default:
                return false;
        }
    }
}
