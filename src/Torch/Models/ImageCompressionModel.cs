using Nic.Codec;
using Nic.Codec.Models;
using Nic.Torch.EntropyModels;
using Nic.Torch.Layers;
using Nic.Torch.Native;
using Nic.Torch.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Models;

/// <summary>
/// What the CompressAI image architectures of spec/nic-model.md §4.2–§4.4 share: the analysis transform g_a
/// (conv(3, N) GDN conv(N, N) GDN conv(N, N) GDN conv(N, M), every conv k5, stride 2, padding 2), the synthesis
/// transform g_s (the mirror image with transposed convs, padding 2, output padding 1, and inverse GDN) and an
/// <see cref="EntropyBottleneck"/>, all under CompressAI's state-dict names (<c>g_a.0.weight</c>, <c>g_a.1.beta</c>, …,
/// <c>entropy_bottleneck.quantiles</c>), together with training (<see cref="IAuxiliaryLossModel"/>), export to a Nic
/// model file (<see cref="IExportableModel"/>) and import from one (<see cref="ImageModels.FromModelFile"/>) or from a
/// PyTorch state dict (<see cref="ImageModels.FromStateDict(ReadOnlyMemory{byte}, ModelArchitectureKind)"/>).
/// </summary>
/// <remarks>
/// <para>
/// The forward pass takes images (B, 3, H, W) in [0, 1], H and W multiples of 64, and returns the reconstruction and the
/// rate in bits per image (shape (B)): −Σ log₂ of the likelihoods of y and, for the hyperprior models, of z. In training
/// mode every latent gets uniform noise U(−½, ½) (CompressAI's behaviour) and the reconstruction is not clamped; in
/// evaluation mode the latents are rounded as the codec rounds them (z and the factorized y around the bottleneck's
/// medians, y of the hyperprior models around the predicted means) and the reconstruction is clamped to [0, 1].
/// </para>
/// <para>
/// Weights start as PyTorch's defaults for convolutions and as CompressAI's for GDN and the entropy bottleneck.
/// </para>
/// </remarks>
public abstract class ImageCompressionModel : nn.Module<Tensor, (Tensor Reconstruction, Tensor Bits)>, IAuxiliaryLossModel, IExportableModel
{
    /// <summary>The kernel size of the transforms' convolutions (5).</summary>
    public const int Kernel = 5;

    /// <summary>The factor by which g_a shrinks the image (16); the hyper-latent z is 4 times smaller still.</summary>
    public const int LatentFactor = 16;

    /// <summary>The multiple that the forward pass needs of the image height and width (64).</summary>
    public const int SizeMultiple = 64;

    private readonly Sequential _analysis;
    private readonly Sequential _synthesis;

    /// <summary>Creates g_a, g_s and the entropy bottleneck with fresh weights (from torch's global generator).</summary>
    /// <param name="name">The module's name.</param>
    /// <param name="architecture">The architecture the model implements.</param>
    /// <param name="n">N, the channels of the inner layers.</param>
    /// <param name="m">M, the channels of the latent y.</param>
    private protected ImageCompressionModel(string name, ModelArchitectureKind architecture, int n, int m)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, ModelHyperParameters.MaxChannels);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(m, ModelHyperParameters.MaxChannels);
        OneDnnConvolutionCheck.EnsureChecked();
        Architecture = ModelArchitecture.Get(architecture);
        N = n;
        M = m;
        _analysis = nn.Sequential(
            Conv(3, n, Kernel, 2),
            new Gdn(n),
            Conv(n, n, Kernel, 2),
            new Gdn(n),
            Conv(n, n, Kernel, 2),
            new Gdn(n),
            Conv(n, m, Kernel, 2));
        _synthesis = nn.Sequential(
            Deconv(m, n),
            new Gdn(n, inverse: true),
            Deconv(n, n),
            new Gdn(n, inverse: true),
            Deconv(n, n),
            new Gdn(n, inverse: true),
            Deconv(n, 3));
        EntropyBottleneck = new EntropyBottleneck(Architecture.EntropyBottleneckChannels(HyperParameters));
        register_module("g_a", _analysis);
        register_module("g_s", _synthesis);
        register_module("entropy_bottleneck", EntropyBottleneck);
    }

    /// <summary>The architecture the model implements.</summary>
    public ModelArchitecture Architecture { get; }

    /// <summary>N, the channels of the inner layers (and of z).</summary>
    public int N { get; }

    /// <summary>M, the channels of the latent y.</summary>
    public int M { get; }

    /// <summary>N and M as a model file stores them.</summary>
    public ModelHyperParameters HyperParameters => ModelHyperParameters.ForChannels(N, M);

    /// <summary>Whether the model has a hyperprior (h_a, h_s and a Gaussian conditional for y).</summary>
    public virtual bool HasHyperprior => false;

    /// <summary>
    /// The entropy bottleneck (module <c>entropy_bottleneck</c>): of y (M channels) in the factorized-prior model, of z
    /// (N channels) in the hyperprior models.
    /// </summary>
    public EntropyBottleneck EntropyBottleneck { get; }

    /// <summary>y = g_a(x): images (B, 3, H, W) to the latent (B, M, ⌈H/16⌉, ⌈W/16⌉).</summary>
    /// <exception cref="ArgumentException">The input is not (B, 3, H, W).</exception>
    public Tensor Analyze(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.dim() != 4 || x.shape[1] != 3)
        {
            throw new ArgumentException($"g_a takes images (B, 3, H, W); got {TensorData.Shape(x)}", nameof(x));
        }

        return _analysis.forward(x);
    }

    /// <summary>x̂ = g_s(ŷ): the latent (B, M, h, w) to the reconstruction (B, 3, 16h, 16w), not clamped.</summary>
    /// <exception cref="ArgumentException">The input is not (B, M, h, w).</exception>
    public Tensor Synthesize(Tensor yHat)
    {
        ArgumentNullException.ThrowIfNull(yHat);
        if (yHat.dim() != 4 || yHat.shape[1] != M)
        {
            throw new ArgumentException($"g_s takes latents (B, {M}, h, w); got {TensorData.Shape(yHat)}", nameof(yHat));
        }

        return _synthesis.forward(yHat);
    }

    /// <summary>The number type of g_s's parameters, which <see cref="Synthesize"/> takes and gives.</summary>
    internal ScalarType SynthesisPrecision => _synthesis.parameters().First().dtype;

    /// <summary>
    /// Converts g_s alone to <paramref name="type"/> (the latent search's bfloat16 copy); the other networks keep theirs.
    /// Converting the whole model would leave fields of the entropy models (their tables, the bottleneck's matrices)
    /// pointing at parameters that <c>to(dtype)</c> replaced and disposed.
    /// </summary>
    internal void ConvertSynthesis(ScalarType type) => _synthesis.to(type);

    /// <summary>
    /// z = h_a(y) (the scale hyperprior applies h_a to |y|, the mean-scale hyperprior to y): the latent (B, M, h, w) to the
    /// hyper-latent (B, N, ⌈h/4⌉, ⌈w/4⌉).
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no hyperprior.</exception>
    public virtual Tensor HyperAnalyze(Tensor y) =>
        throw new InvalidOperationException($"{Architecture} has no hyperprior");

    /// <summary>
    /// h_s(ẑ): the entropy parameters of y from the hyper-latent (B, N, h, w): the scales σ (B, M, 4h, 4w) and, for the
    /// mean-scale hyperprior, the means μ (null otherwise).
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no hyperprior.</exception>
    public virtual (Tensor Scales, Tensor? Means) HyperSynthesize(Tensor zHat) =>
        throw new InvalidOperationException($"{Architecture} has no hyperprior");

    /// <summary>
    /// The reconstruction (unclamped in training mode, clamped to [0, 1] in evaluation mode) and the rate in bits per
    /// image, shape (B).
    /// </summary>
    /// <exception cref="ArgumentException">The input is not (B, 3, H, W) with H and W multiples of 64.</exception>
    public override (Tensor Reconstruction, Tensor Bits) forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 4 || input.shape[1] != 3 || input.shape[2] % SizeMultiple != 0 || input.shape[3] % SizeMultiple != 0
            || input.shape[2] == 0 || input.shape[3] == 0)
        {
            throw new ArgumentException($"the model takes images (B, 3, H, W) with H and W positive multiples of {SizeMultiple}; got {TensorData.Shape(input)}", nameof(input));
        }

        using var scope = NewDisposeScope();
        Tensor y = Analyze(input);
        (Tensor yTilde, Tensor bits) = QuantizeLatent(y);
        Tensor reconstruction = Synthesize(yTilde);
        if (!training)
        {
            reconstruction = reconstruction.ClampedTo(0, 1);
        }

        return (reconstruction.MoveToOuterDisposeScope(), bits.MoveToOuterDisposeScope());
    }

    /// <summary>The parameters only the auxiliary loss trains: the bottleneck's <c>quantiles</c>.</summary>
    public IEnumerable<Parameter> AuxiliaryParameters() => [EntropyBottleneck.Quantiles];

    /// <summary>The bottleneck's quantile loss (<see cref="EntropyModels.EntropyBottleneck.AuxiliaryLoss"/>), differentiable in the quantiles only.</summary>
    public Tensor AuxiliaryLoss() => EntropyBottleneck.AuxiliaryLoss();

    /// <summary>
    /// Freezes the bottleneck's tables (<see cref="EntropyModels.EntropyBottleneck.Update"/>) and returns the bytes of a
    /// Nic model file (distortion MSE, rate point 0) holding every parameter and the frozen tables.
    /// </summary>
    /// <param name="name">The model's registry name (1 to 64 characters from a-z 0-9 . _ -).</param>
    /// <param name="lambda">The λ it was trained with.</param>
    /// <param name="trainingSummary">A JSON text describing the training (metadata key <c>training</c>); omitted when null.</param>
    /// <returns>The file, already checked by <see cref="NicModelFile.Load(ReadOnlyMemory{byte})"/>.</returns>
    public byte[] Export(string name, double lambda, string? trainingSummary) => Export(name, lambda, trainingSummary, ratePoint: 0);

    /// <summary>
    /// Freezes the bottleneck's tables (<see cref="EntropyModels.EntropyBottleneck.Update"/>) and returns the bytes of a
    /// Nic model file (spec/nic-model.md, distortion MSE): every parameter under its state-dict name, the bottleneck's
    /// <c>_quantized_cdf</c>, <c>_offset</c> and <c>_cdf_length</c>, and for the hyperprior models the Gaussian
    /// conditional's <c>scale_table</c> and tables; metadata N, M, λ and the rate point.
    /// </summary>
    /// <param name="name">The model's registry name (1 to 64 characters from a-z 0-9 . _ -).</param>
    /// <param name="lambda">The λ it was trained with.</param>
    /// <param name="trainingSummary">A JSON text describing the training (metadata key <c>training</c>); omitted when null.</param>
    /// <param name="ratePoint">The rate point (e.g. CompressAI's quality 1–8).</param>
    /// <returns>The file, already checked by <see cref="NicModelFile.Load(ReadOnlyMemory{byte})"/>.</returns>
    /// <exception cref="ArgumentException">The name or λ is invalid.</exception>
    /// <exception cref="InvalidOperationException">The bottleneck's quantiles give tables too large to build.</exception>
    public byte[] Export(string name, double lambda, string? trainingSummary, int ratePoint) => Export(name, lambda, trainingSummary, ratePoint, family: null);

    /// <summary>As <see cref="Export(string, double, string?, int)"/>, recording the model's family (metadata <c>family</c>) when not null.</summary>
    public byte[] Export(string name, double lambda, string? trainingSummary, int ratePoint, string? family) =>
        Export(name, lambda, trainingSummary, ratePoint, family, ParameterPrecision.Float32);

    /// <summary>
    /// As <see cref="Export(string, double, string?, int, string?)"/>, storing the parameters with
    /// <paramref name="precision"/>. With <see cref="ParameterPrecision.Float16"/>, every parameter of this model is first
    /// rounded to binary16 in place (to nearest, ties to even), and only then are the bottleneck's tables built, so the
    /// tables are those of the values the file stores and the model afterwards holds exactly those values
    /// (spec/nic-model.md §2.2). The scale table stays binary32 and the tables I32.
    /// </summary>
    /// <param name="name">The model's registry name (1 to 64 characters from a-z 0-9 . _ -).</param>
    /// <param name="lambda">The λ it was trained with.</param>
    /// <param name="trainingSummary">A JSON text describing the training (metadata key <c>training</c>); omitted when null.</param>
    /// <param name="ratePoint">The rate point (e.g. CompressAI's quality 1–8).</param>
    /// <param name="family">The model's family (metadata <c>family</c>); omitted when null.</param>
    /// <param name="precision">How the parameters are stored.</param>
    /// <returns>The file, already checked by <see cref="NicModelFile.Load(ReadOnlyMemory{byte})"/>.</returns>
    /// <exception cref="ArgumentException">The name, family or λ is invalid, or <paramref name="precision"/> is not defined.</exception>
    /// <exception cref="InvalidOperationException">
    /// The bottleneck's quantiles give tables too large to build, or (Float16) a parameter lies beyond binary16's range
    /// (±65504), which is found before any parameter is rounded.
    /// </exception>
    public byte[] Export(string name, double lambda, string? trainingSummary, int ratePoint, string? family, ParameterPrecision precision)
    {
        if (!(lambda > 0) || !double.IsFinite(lambda))
        {
            throw new ArgumentException($"λ must be positive and finite; got {lambda}", nameof(lambda));
        }

        if (!Enum.IsDefined(precision))
        {
            throw new ArgumentException($"{precision} is not a parameter precision", nameof(precision));
        }

        var builder = new NicModelFileBuilder(Architecture.Kind, name, HyperParameters)
        {
            Lambda = lambda,
            RatePoint = ratePoint,
            Distortion = ModelDistortion.Mse,
        };
        if (trainingSummary is not null)
        {
            builder.SetMetadata("training", trainingSummary);
        }

        if (family is not null)
        {
            builder.SetMetadata("family", family);
        }

        Dictionary<string, Half[]>? halves = precision == ParameterPrecision.Float16 ? RoundParametersToFloat16() : null;
        EntropyBottleneck.Update();
        using var scope = NewDisposeScope();
        foreach ((string parameterName, Parameter parameter) in named_parameters())
        {
            if (halves is null)
            {
                builder.AddFloat32(parameterName, Shape(parameter), TensorData.ToArray<float>(parameter));
            }
            else
            {
                builder.AddFloat16(parameterName, Shape(parameter), halves[parameterName]);
            }
        }

        AddTables(builder, "entropy_bottleneck.", EntropyBottleneck.QuantizedCdf, EntropyBottleneck.Offset, EntropyBottleneck.CdfLength);
        AddExportTensors(builder);
        return builder.Build();
    }

    /// <summary>
    /// Copies the parameters of a checked state dict into this model, takes its scale table (hyperprior models), builds
    /// the bottleneck's tables and switches to evaluation mode.
    /// </summary>
    /// <exception cref="NicCodecException">The quantiles give tables too large to build (<see cref="NicCodecError.ModelFileCorrupt"/>).</exception>
    internal void LoadStateDict(StateDict stateDict)
    {
        if (stateDict.Architecture.Kind != Architecture.Kind || stateDict.N != N || stateDict.M != M)
        {
            throw new ArgumentException($"the state dict is of a {stateDict.Architecture} model with N={stateDict.N}, M={stateDict.M}, not a {Architecture} model with N={N}, M={M}", nameof(stateDict));
        }

        using (no_grad())
        {
            foreach ((string name, Parameter parameter) in named_parameters())
            {
                if (!stateDict.Parameters.TryGetValue(name, out float[]? values))
                {
                    throw new InvalidOperationException($"parameter '{name}' of {Architecture} is not in the architecture's tensor list (spec/nic-model.md §4)");
                }

                using Tensor source = tensor(values, parameter.shape);
                parameter.copy_(source);
            }
        }

        LoadStateDictTables(stateDict);
        try
        {
            EntropyBottleneck.Update();
        }
        catch (InvalidOperationException e)
        {
            throw new NicCodecException(NicCodecError.ModelFileCorrupt, $"entropy_bottleneck.quantiles: {e.Message}");
        }

        eval();
    }

    /// <summary>Takes the tables a derived model keeps besides the bottleneck's from an imported state dict.</summary>
    private protected virtual void LoadStateDictTables(StateDict stateDict)
    {
    }

    /// <summary>Adds the tensors a derived model exports besides its parameters and the bottleneck's tables.</summary>
    private protected virtual void AddExportTensors(NicModelFileBuilder builder)
    {
    }

    /// <summary>Loads the tables a derived model keeps besides the bottleneck's from <paramref name="file"/>.</summary>
    private protected virtual void LoadExtraTables(NicModelFile file)
    {
    }

    /// <summary>
    /// The latent as g_s receives it (noisy in training mode, rounded in evaluation mode) and the bits per image of
    /// every latent the model codes, shape (B).
    /// </summary>
    private protected abstract (Tensor YTilde, Tensor Bits) QuantizeLatent(Tensor y);

    /// <summary>Loads <paramref name="file"/> into <paramref name="model"/> (disposed if that fails).</summary>
    private protected static T Load<T>(T model, NicModelFile file)
        where T : ImageCompressionModel
    {
        try
        {
            model.LoadFrom(file);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Copies every parameter and the frozen tables of <paramref name="file"/> into this model, then switches it to evaluation mode.</summary>
    private void LoadFrom(NicModelFile file)
    {
        if (!HoldsTransformsOf(file, Architecture) || file.HyperParameters with { ContextSlices = 0, ContextHidden = 0, ContextKernel = 0, ContextCheckerboard = 0 } != HyperParameters)
        {
            throw new ArgumentException($"the file holds a {file.Architecture} model with N={file.HyperParameters.N}, M={file.HyperParameters.M}, not a {Architecture} model with N={N}, M={M}", nameof(file));
        }

        using (no_grad())
        {
            foreach ((string name, Parameter parameter) in named_parameters())
            {
                float[] values = file.GetFloat32(name).ToArray();
                using Tensor source = tensor(values, parameter.shape);
                parameter.copy_(source);
            }
        }

        EntropyBottleneck.LoadTables(file.EntropyBottleneckTables
            ?? throw new ArgumentException("the file has no entropy bottleneck tables", nameof(file)));
        LoadExtraTables(file);
        eval();
    }

    /// <summary>Checks that <paramref name="file"/> holds <paramref name="architecture"/>.</summary>
    private protected static void CheckArchitecture(NicModelFile file, ModelArchitectureKind architecture)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!HoldsTransformsOf(file, ModelArchitecture.Get(architecture)))
        {
            throw new ArgumentException($"the model is a {file.Architecture.Identifier}, not a {ModelArchitecture.Get(architecture).Identifier} model", nameof(file));
        }
    }

    /// <summary>
    /// Whether <paramref name="file"/> is of <paramref name="architecture"/> or of one whose definition extends it
    /// (mbt2018-mean-cc extends mbt2018-mean with context networks, spec/nic-model.md §4.6): then its transforms,
    /// hyperprior and tables are this module's.
    /// </summary>
    private static bool HoldsTransformsOf(NicModelFile file, ModelArchitecture architecture) =>
        architecture.GetType().IsInstanceOfType(file.Architecture);

    /// <summary>−Σ log₂ of the likelihoods of each batch element, shape (B).</summary>
    private protected static Tensor Bits(Tensor likelihoods) => likelihoods.log().flatten(1).sum(1).DividedBy(-Math.Log(2));

    /// <summary>A Conv2d with padding k/2.</summary>
    private protected static Conv2d Conv(int inChannels, int outChannels, int kernel, int stride) =>
        nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: kernel / 2);

    /// <summary>A ConvTranspose2d, k5, stride 2, padding 2, output padding 1: the output exactly twice the input.</summary>
    private protected static ConvTranspose2d Deconv(int inChannels, int outChannels) =>
        nn.ConvTranspose2d(inChannels, outChannels, Kernel, stride: 2, padding: Kernel / 2, output_padding: 1);

    /// <summary>Adds a table set's three int32 tensors under <paramref name="prefix"/>.</summary>
    private protected static void AddTables(NicModelFileBuilder builder, string prefix, Tensor quantizedCdf, Tensor offset, Tensor cdfLength)
    {
        builder.AddInt32(prefix + "_quantized_cdf", Shape(quantizedCdf), TensorData.ToArray<int>(quantizedCdf));
        builder.AddInt32(prefix + "_offset", Shape(offset), TensorData.ToArray<int>(offset));
        builder.AddInt32(prefix + "_cdf_length", Shape(cdfLength), TensorData.ToArray<int>(cdfLength));
    }

    private static int[] Shape(Tensor tensor) => tensor.shape.Select(d => checked((int)d)).ToArray();

    /// <summary>
    /// Rounds every parameter to binary16 in place and returns the rounded values by name; refuses (changing nothing) a
    /// value beyond binary16's range.
    /// </summary>
    private Dictionary<string, Half[]> RoundParametersToFloat16()
    {
        var halves = new Dictionary<string, Half[]>(StringComparer.Ordinal);
        foreach ((string name, Parameter parameter) in named_parameters())
        {
            float[] values = TensorData.ToArray<float>(parameter);
            var rounded = new Half[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                rounded[i] = (Half)values[i];
                if (!Half.IsFinite(rounded[i]))
                {
                    throw new InvalidOperationException($"parameter '{name}' element {i} is {values[i]:R}, beyond the binary16 range (±65504); export it as Float32");
                }
            }

            halves.Add(name, rounded);
        }

        using (no_grad())
        {
            foreach ((string name, Parameter parameter) in named_parameters())
            {
                float[] widened = Array.ConvertAll(halves[name], h => (float)h);
                using Tensor source = tensor(widened, parameter.shape);
                parameter.copy_(source);
            }
        }

        return halves;
    }
}
