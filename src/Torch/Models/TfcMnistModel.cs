using Nic.Codec.Entropy;
using Nic.Codec.Models;
using Nic.Torch.EntropyModels;
using Nic.Torch.Layers;
using Nic.Torch.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Models;

/// <summary>
/// The TensorFlow Compression MNIST tutorial model in Nic's geometry (spec/nic-model.md §4.5): analysis
/// conv(20, k5, s2) – conv(50, k5, s2) – flatten (C, H, W) – linear(500) – linear(L), synthesis mirrored with transposed
/// convolutions (padding 2, output padding 1), LeakyReLU(0.2) between layers and none after the last of each, and a
/// per-dimension noisy logistic prior (location 0, scale <c>exp(prior.log_scales)</c>) coded by a
/// <see cref="ContinuousBatchedEntropyModel"/> of coding rank 1. Its state dict carries the names of §4.5.
/// </summary>
/// <remarks>
/// Input is (N, 1, 28, 28) or (N, 784) with samples in [0, 1]. In training mode the forward pass adds U(−½, ½) to y; in
/// evaluation mode it rounds y. Either way it returns the reconstruction from those values and the rate in bits per
/// digit, −Σ log₂ likelihood. Weights start as Keras' defaults: Glorot-uniform kernels (PyTorch's
/// <c>xavier_uniform_</c>, whose fans equal Keras' for every layer here), zero biases and zero log-scales.
/// </remarks>
public sealed class TfcMnistModel : nn.Module<Tensor, (Tensor Reconstruction, Tensor Bits)>
{
    /// <summary>The slope of the negative part of every LeakyReLU (Keras' <c>"leaky_relu"</c>).</summary>
    public const double LeakySlope = 0.2;

    /// <summary>The side of a digit, 28.</summary>
    public const int Side = 28;

    /// <summary>The smallest likelihood the rate uses, 10⁻⁹ (TF Compression's default).</summary>
    public const double LikelihoodBound = 1e-9;

    /// <summary>The tail mass left to each table's escape, τ = 10⁻⁹ (spec/nic-model.md §6.3).</summary>
    public const double TailMass = 1e-9;

    private readonly Sequential _analysis;
    private readonly Sequential _synthesis;
    private readonly TfcMnistPrior _prior;

    /// <summary>Creates the model with freshly initialised weights (from torch's global generator).</summary>
    /// <param name="latentDimensions">L, the dimensions of the latent (50 in the tutorial).</param>
    public TfcMnistModel(int latentDimensions = ModelHyperParameters.DefaultMnistLatentDimensions)
        : base(nameof(TfcMnistModel))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(latentDimensions, 1);
        OneDnnConvolutionCheck.EnsureChecked();
        LatentDimensions = latentDimensions;
        _analysis = nn.Sequential(
            nn.Conv2d(1, 20, 5, stride: 2, padding: 2),
            new LeakyRelu(LeakySlope),
            nn.Conv2d(20, 50, 5, stride: 2, padding: 2),
            new LeakyRelu(LeakySlope),
            nn.Flatten(),
            nn.Linear(2450, 500),
            new LeakyRelu(LeakySlope),
            nn.Linear(500, latentDimensions));
        _synthesis = nn.Sequential(
            nn.Linear(latentDimensions, 500),
            new LeakyRelu(LeakySlope),
            nn.Linear(500, 2450),
            new LeakyRelu(LeakySlope),
            nn.Unflatten(1, [50, 7, 7]),
            nn.ConvTranspose2d(50, 20, 5, stride: 2, padding: 2, output_padding: 1),
            new LeakyRelu(LeakySlope),
            nn.ConvTranspose2d(20, 1, 5, stride: 2, padding: 2, output_padding: 1));
        _prior = new TfcMnistPrior(latentDimensions);
        register_module("analysis", _analysis);
        register_module("synthesis", _synthesis);
        register_module("prior", _prior);
        using (no_grad())
        {
            foreach ((string name, Parameter parameter) in named_parameters())
            {
                if (name.EndsWith(".weight", StringComparison.Ordinal))
                {
                    nn.init.xavier_uniform_(parameter);
                }
                else
                {
                    nn.init.zeros_(parameter);
                }
            }
        }
    }

    /// <summary>L, the dimensions of the latent.</summary>
    public int LatentDimensions { get; }

    /// <summary>The prior's log-scales, one per latent dimension (the parameter <c>prior.log_scales</c>).</summary>
    public Parameter LogScales => _prior.LogScales;

    /// <summary>The model a file describes: its float tensors loaded into a new module (the tables are rebuilt from the log-scales when needed).</summary>
    /// <param name="file">A loaded <c>tfc-mnist</c> model file.</param>
    /// <returns>The model, in evaluation mode.</returns>
    /// <exception cref="ArgumentException">The file is not a <c>tfc-mnist</c> model.</exception>
    public static TfcMnistModel FromModelFile(NicModelFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Architecture.Kind != ModelArchitectureKind.TfcMnist)
        {
            throw new ArgumentException($"the model is a {file.Architecture.Identifier}, not a tfc-mnist model", nameof(file));
        }

        var model = new TfcMnistModel(file.HyperParameters.LatentDimensions);
        using (no_grad())
        {
            foreach ((string name, Parameter parameter) in model.named_parameters())
            {
                float[] values = file.GetFloat32(name).ToArray();
                using Tensor source = tensor(values, parameter.shape);
                parameter.copy_(source);
            }
        }

        model.eval();
        return model;
    }

    /// <summary>The prior with the current scales (differentiable in <see cref="LogScales"/>).</summary>
    public NoisyLogistic Prior() => new(zeros(LatentDimensions), LogScales.exp());

    /// <summary>
    /// The entropy model of the latent under the current prior, detached from the graph: its tables (built on first use)
    /// code one digit's L values as one compact string (spec/nic-coding.md §2.7), about its information content long
    /// as the tutorial's strings are. Its tensors belong to the caller's dispose scope.
    /// </summary>
    public ContinuousBatchedEntropyModel EntropyModel()
    {
        Tensor scale = LogScales.detach().exp();
        return new ContinuousBatchedEntropyModel(new NoisyLogistic(zeros(LatentDimensions), scale), codingRank: 1, tailMass: TailMass)
        {
            StreamForm = RansStreamForm.Compact,
        };
    }

    /// <summary>y = g_a(x), shape (N, L).</summary>
    public Tensor Analyze(Tensor x) => _analysis.forward(AsImages(x));

    /// <summary>x̂ = g_s(y), shape (N, 1, 28, 28), not clamped.</summary>
    public Tensor Synthesize(Tensor y)
    {
        ArgumentNullException.ThrowIfNull(y);
        return _synthesis.forward(y);
    }

    /// <summary>
    /// The reconstruction from noisy (training mode) or rounded (evaluation mode) latents and the rate in bits per digit
    /// under the prior, shape (N).
    /// </summary>
    public override (Tensor Reconstruction, Tensor Bits) forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor y = Analyze(input);
        Tensor yTilde = training ? y.Plus(empty_like(y).uniform_(-0.5, 0.5)) : y.round();
        Tensor likelihood = Prior().Likelihood(yTilde);

        // The likelihood's lower bound with a straight-through gradient (TF Compression's "identity" mode).
        Tensor bounded = likelihood.Plus(likelihood.AtLeast(LikelihoodBound).sub(likelihood).detach());
        Tensor bits = bounded.log().sum(1).DividedBy(-Math.Log(2));
        Tensor reconstruction = Synthesize(yTilde);
        return (reconstruction.MoveToOuterDisposeScope(), bits.MoveToOuterDisposeScope());
    }

    /// <summary>Compresses digits: one string per digit, the rounded latent coded under the prior's tables.</summary>
    /// <param name="x">Digits, (N, 1, 28, 28) or (N, 784), in [0, 1].</param>
    /// <returns>N strings.</returns>
    public byte[][] Compress(Tensor x)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return EntropyModel().Compress(Analyze(x));
    }

    /// <summary>Decompresses strings made by <see cref="Compress"/> (with the same weights) into reconstructions (N, 1, 28, 28).</summary>
    public Tensor Decompress(IReadOnlyList<byte[]> strings)
    {
        ArgumentNullException.ThrowIfNull(strings);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor yHat = EntropyModel().Decompress(strings);
        return Synthesize(yHat).MoveToOuterDisposeScope();
    }

    /// <summary>The prior's frozen tables (spec/nic-model.md §6.3), one per latent dimension.</summary>
    public QuantizedCdfTables Tables()
    {
        using var scope = NewDisposeScope();
        return EntropyModel().Tables();
    }

    /// <summary>
    /// The bytes of a Nic model file (architecture <c>tfc-mnist</c>, distortion MAE) holding every parameter, the prior's
    /// frozen tables and, in the metadata key <c>training</c>, <paramref name="trainingSummary"/>.
    /// </summary>
    /// <param name="name">The model's registry name (1 to 64 characters from a-z 0-9 . _ -).</param>
    /// <param name="lambda">The λ it was trained with.</param>
    /// <param name="trainingSummary">A JSON text describing the training; omitted when null.</param>
    /// <returns>The file, already checked by <see cref="NicModelFile.Load(ReadOnlyMemory{byte})"/>.</returns>
    public byte[] Export(string name, double lambda, string? trainingSummary)
    {
        var builder = new NicModelFileBuilder(ModelArchitectureKind.TfcMnist, name, ModelHyperParameters.ForMnist(LatentDimensions))
        {
            Lambda = lambda,
            Distortion = ModelDistortion.Mae,
        };
        if (trainingSummary is not null)
        {
            builder.SetMetadata("training", trainingSummary);
        }

        using var scope = NewDisposeScope();
        foreach ((string parameterName, Parameter parameter) in named_parameters())
        {
            float[] values = TensorData.ToArray<float>(parameter.detach().cpu().contiguous());
            int[] shape = parameter.shape.Select(d => checked((int)d)).ToArray();
            builder.AddFloat32(parameterName, shape, values);
        }

        (Tensor cdf, Tensor offset, Tensor length) = FrozenCdfTables.ToTensors(Tables());
        builder.AddInt32("prior._quantized_cdf", cdf.shape.Select(d => (int)d).ToArray(), TensorData.ToArray<int>(cdf));
        builder.AddInt32("prior._offset", [LatentDimensions], TensorData.ToArray<int>(offset));
        builder.AddInt32("prior._cdf_length", [LatentDimensions], TensorData.ToArray<int>(length));
        return builder.Build();
    }

    private static Tensor AsImages(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.dim() == 2 ? x.reshape(x.shape[0], 1, Side, Side) : x;
    }
}
