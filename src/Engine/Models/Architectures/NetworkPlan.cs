namespace Nic.Codec.Models.Architectures;

/// <summary>
/// One network of an architecture (g_a, g_s, h_a or h_s) as its definition writes it: the layers in order, with the names,
/// shapes, kernel sizes and strides of their tensors. The tensor list (spec/nic-model.md §4), the managed engine's layers
/// (<c>ModelNetworks</c>) and the geometry (<see cref="ModelGeometry"/>) are all made from it.
/// </summary>
/// <param name="Name">The network's name: <c>g_a</c>, <c>g_s</c>, <c>h_a</c> or <c>h_s</c>.</param>
/// <param name="Layers">The layers in order.</param>
/// <param name="ReferenceArithmetic">
/// True when the network always runs in the reference arithmetic, whatever the engine is asked for: h_s, which decides
/// the entropy parameters (spec/nic-model.md §10), and networks that have no fused kernels.
/// </param>
internal sealed record NetworkPlan(string Name, IReadOnlyList<LayerPlan> Layers, bool ReferenceArithmetic = false);

/// <summary>One layer of a <see cref="NetworkPlan"/>.</summary>
internal abstract record LayerPlan
{
    /// <summary>The tensors the layer holds in a model file (none for a point-wise layer without parameters).</summary>
    internal virtual IEnumerable<ModelTensorSpec> Tensors() => [];
}

/// <summary>A Conv2d with padding k/2 (<c>NAME.weight</c> [out, in, k, k], <c>NAME.bias</c> [out]).</summary>
/// <param name="Name">The state-dict prefix, e.g. <c>g_a.0</c>.</param>
/// <param name="InChannels">Input channels.</param>
/// <param name="OutChannels">Output channels.</param>
/// <param name="Kernel">The kernel size k.</param>
/// <param name="Stride">The stride (1 or 2).</param>
/// <param name="WeightMeaning">What the weight tensor is, as the tensor list states it.</param>
internal sealed record ConvPlan(string Name, int InChannels, int OutChannels, int Kernel, int Stride, string WeightMeaning) : LayerPlan
{
    internal override IEnumerable<ModelTensorSpec> Tensors() =>
    [
        ModelTensorCatalog.Float(Name + ".weight", [OutChannels, InChannels, Kernel, Kernel], WeightMeaning),
        ModelTensorCatalog.Float(Name + ".bias", [OutChannels], "Conv2d bias"),
    ];
}

/// <summary>
/// A ConvTranspose2d with stride 2, padding k/2 and output padding 1, so that the output is exactly twice the input
/// (<c>NAME.weight</c> [in, out, k, k], <c>NAME.bias</c> [out]).
/// </summary>
/// <param name="Name">The state-dict prefix, e.g. <c>g_s.0</c>.</param>
/// <param name="InChannels">Input channels.</param>
/// <param name="OutChannels">Output channels.</param>
/// <param name="Kernel">The kernel size k.</param>
/// <param name="WeightMeaning">What the weight tensor is, as the tensor list states it.</param>
internal sealed record DeconvPlan(string Name, int InChannels, int OutChannels, int Kernel, string WeightMeaning) : LayerPlan
{
    /// <summary>The stride of every transposed convolution (the managed engine's <c>ConvTranspose2dLayer</c> upsamples by 2).</summary>
    public const int Stride = 2;

    internal override IEnumerable<ModelTensorSpec> Tensors() =>
    [
        ModelTensorCatalog.Float(Name + ".weight", [InChannels, OutChannels, Kernel, Kernel], WeightMeaning),
        ModelTensorCatalog.Float(Name + ".bias", [OutChannels], "ConvTranspose2d bias"),
    ];
}

/// <summary>GDN or inverse GDN over <paramref name="Channels"/> channels (spec/nic-model.md §5).</summary>
/// <param name="Name">The state-dict prefix, e.g. <c>g_a.1</c>.</param>
/// <param name="Channels">The channels.</param>
/// <param name="Inverse">True for inverse GDN (in g_s).</param>
internal sealed record GdnPlan(string Name, int Channels, bool Inverse) : LayerPlan
{
    internal override IEnumerable<ModelTensorSpec> Tensors()
    {
        string layer = Inverse ? "inverse GDN" : "GDN";
        return
        [
            ModelTensorCatalog.Float(Name + ".beta", [Channels], $"{layer} raw beta (effective = max(raw, beta_bound)² − pedestal)"),
            ModelTensorCatalog.Float(Name + ".gamma", [Channels, Channels], $"{layer} raw gamma (effective = max(raw, 2^-18)² − pedestal); row i weights the squared inputs of output channel i"),
            ModelTensorCatalog.Constant(Name + ".beta_reparam.pedestal", [1], "CompressAI constant: pedestal 2^-36"),
            ModelTensorCatalog.Constant(Name + ".beta_reparam.lower_bound.bound", [1], "CompressAI constant: beta_bound"),
            ModelTensorCatalog.Constant(Name + ".gamma_reparam.pedestal", [1], "CompressAI constant: pedestal 2^-36"),
            ModelTensorCatalog.Constant(Name + ".gamma_reparam.lower_bound.bound", [1], "CompressAI constant: gamma_bound 2^-18"),
        ];
    }
}

/// <summary>ReLU (slope 0) or LeakyReLU with the given negative slope; no tensors.</summary>
/// <param name="NegativeSlope">0 for ReLU.</param>
internal sealed record ActivationPlan(float NegativeSlope) : LayerPlan
{
    /// <summary>ReLU.</summary>
    public static ActivationPlan Relu { get; } = new(0);
}

/// <summary>A dense layer (<c>NAME.weight</c> [out, in], <c>NAME.bias</c> [out]).</summary>
/// <param name="Name">The state-dict prefix.</param>
/// <param name="InFeatures">Input features.</param>
/// <param name="OutFeatures">Output features.</param>
/// <param name="WeightMeaning">What the weight tensor is, as the tensor list states it.</param>
internal sealed record LinearPlan(string Name, int InFeatures, int OutFeatures, string WeightMeaning) : LayerPlan
{
    internal override IEnumerable<ModelTensorSpec> Tensors() =>
    [
        ModelTensorCatalog.Float(Name + ".weight", [OutFeatures, InFeatures], WeightMeaning),
        ModelTensorCatalog.Float(Name + ".bias", [OutFeatures], "Linear bias"),
    ];
}

/// <summary>Reinterprets a flat vector as <paramref name="Channels"/> × <paramref name="Height"/> × <paramref name="Width"/>; no tensors.</summary>
internal sealed record ReshapePlan(int Channels, int Height, int Width) : LayerPlan;
