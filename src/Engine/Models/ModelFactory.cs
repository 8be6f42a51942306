using System.Globalization;
using Nic.Codec.Entropy;

namespace Nic.Codec.Models;

/// <summary>
/// Creates complete, valid model files with seeded random weights, for tests and benchmarks of the transforms and
/// the coding pipeline (spec/nic-model.md §7). The same arguments give the same bytes on every machine. The
/// weights are scaled so that activations stay of order 1; they compress nothing well.
/// </summary>
public static class ModelFactory
{
    /// <summary>The tail mass of the generated bottleneck and prior tables, 10⁻⁹.</summary>
    internal const double TailMass = 1e-9;

    /// <summary>The factor on the deviation of a context network's last weights (<c>context.{k}.4.weight</c>, <c>spatial.{k}.4.weight</c>).</summary>
    private const double ContextOutputGain = 0.1;

    /// <summary>
    /// Creates a random model file. For <see cref="ModelArchitectureKind.TfcMnist"/>, <paramref name="n"/> is ignored
    /// and <paramref name="m"/> is the number of latent dimensions (50 in the tutorial).
    /// </summary>
    /// <param name="architecture">The architecture.</param>
    /// <param name="n">Channels of the inner layers.</param>
    /// <param name="m">Channels of the latent y (latent dimensions for <c>tfc-mnist</c>).</param>
    /// <param name="seed">The seed of the weights.</param>
    /// <returns>The file's bytes.</returns>
    public static byte[] CreateRandom(ModelArchitectureKind architecture, int n, int m, int seed) =>
        CreateRandom(architecture, HyperParametersFor(architecture, n, m), seed);

    /// <summary>Creates a random model file.</summary>
    /// <param name="architecture">The architecture.</param>
    /// <param name="hyperParameters">The hyper-parameters.</param>
    /// <param name="seed">The seed of the weights.</param>
    /// <returns>The file's bytes.</returns>
    public static byte[] CreateRandom(ModelArchitectureKind architecture, ModelHyperParameters hyperParameters, int seed) =>
        CreateRandomBuilder(architecture, hyperParameters, seed).Build();

    /// <summary>Creates a random model file with a given identity: its registry name, rate point and family.</summary>
    /// <param name="architecture">The architecture.</param>
    /// <param name="n">Channels of the inner layers.</param>
    /// <param name="m">Channels of the latent y.</param>
    /// <param name="seed">The seed of the weights.</param>
    /// <param name="name">The registry name.</param>
    /// <param name="ratePoint">The rate point.</param>
    /// <param name="family">The family (metadata <c>family</c>); null for none.</param>
    /// <returns>The file's bytes: the same for the same arguments.</returns>
    public static byte[] CreateRandom(ModelArchitectureKind architecture, int n, int m, int seed, string name, int ratePoint, string? family = null)
    {
        NicModelFileBuilder builder = CreateRandomBuilder(architecture, HyperParametersFor(architecture, n, m), seed, name);
        builder.RatePoint = ratePoint;
        if (family is not null)
        {
            builder.SetMetadata(ModelMetadataKeys.Family, family);
        }

        return builder.Build();
    }

    /// <summary>Creates a random model file of given hyper-parameters with a given identity: its registry name and rate point.</summary>
    /// <param name="architecture">The architecture.</param>
    /// <param name="hyperParameters">The hyper-parameters (e.g. a channel-conditional model's checkerboard passes).</param>
    /// <param name="seed">The seed of the weights.</param>
    /// <param name="name">The registry name.</param>
    /// <param name="ratePoint">The rate point.</param>
    /// <returns>The file's bytes: the same for the same arguments.</returns>
    public static byte[] CreateRandom(ModelArchitectureKind architecture, ModelHyperParameters hyperParameters, int seed, string name, int ratePoint)
    {
        NicModelFileBuilder builder = CreateRandomBuilder(architecture, hyperParameters, seed, name);
        builder.RatePoint = ratePoint;
        return builder.Build();
    }

    /// <summary>
    /// The fixed-rate files of a random variable-rate family (spec/nic-model.md §11): one random model whose last g_a
    /// layer (weight and bias, per output channel) and first g_s layer (per input channel) are scaled, for point p, by
    /// the gains g(p, c) = exp(p · (0.4 + 0.1·sin c)) and their inverses — gains folded in as a variable-rate model's are.
    /// The files are stored as F32, with rising λ and rate points 1, 2, ….
    /// </summary>
    public static byte[][] CreateRandomFamilyPoints(ModelArchitectureKind architecture, int n, int m, int seed, string family, double[] lambdas)
    {
        ModelHyperParameters hyperParameters = HyperParametersFor(architecture, n, m);
        NicModelFile base0 = NicModelFile.Load(CreateRandomBuilder(architecture, hyperParameters, seed).Build());
        string analysis = base0.TensorNames.Where(t => t.StartsWith("g_a.", StringComparison.Ordinal) && t.EndsWith(".weight", StringComparison.Ordinal))
            .MaxBy(t => int.Parse(t.Split('.')[1], CultureInfo.InvariantCulture))![..^".weight".Length];
        var points = new byte[lambdas.Length][];
        for (int p = 0; p < lambdas.Length; p++)
        {
            NicModelFileBuilder builder = CreateRandomBuilder(architecture, hyperParameters, seed, string.Create(CultureInfo.InvariantCulture, $"{family}-q{p + 1}"));
            builder.Lambda = lambdas[p];
            builder.RatePoint = p + 1;
            builder.SetMetadata(ModelMetadataKeys.Family, family);
            int point = p;
            double Gain(int c) => Math.Exp(point * (0.4 + (0.1 * Math.Sin(c))));
            foreach ((string name, bool inverse) in new[] { (analysis + ".weight", false), (analysis + ".bias", false), ("g_s.0.weight", true) })
            {
                ModelTensor tensor = base0.GetTensor(name);
                float[] values = tensor.Float32Data.ToArray();
                int channels = tensor.Shape[0], per = values.Length / channels;
                for (int e = 0; e < values.Length; e++)
                {
                    double gain = Gain(e / per);
                    values[e] = (float)(inverse ? values[e] / gain : values[e] * gain);
                }

                builder.AddFloat32(name, [.. tensor.Shape], values);
            }

            points[p] = builder.Build();
        }

        return points;
    }

    /// <summary>Creates a random model and loads it.</summary>
    /// <param name="architecture">The architecture.</param>
    /// <param name="n">Channels of the inner layers (ignored for <c>tfc-mnist</c>).</param>
    /// <param name="m">Channels of the latent y (latent dimensions for <c>tfc-mnist</c>).</param>
    /// <param name="seed">The seed of the weights.</param>
    /// <returns>The loaded model.</returns>
    public static NicModelFile LoadRandom(ModelArchitectureKind architecture, int n, int m, int seed) =>
        NicModelFile.Load(CreateRandom(architecture, n, m, seed));

    internal static ModelHyperParameters HyperParametersFor(ModelArchitectureKind architecture, int n, int m) =>
        ModelArchitecture.Get(architecture).HyperParametersFor(n, m);

    /// <summary>A builder holding every required tensor of a random model (tests alter it to make invalid files).</summary>
    internal static NicModelFileBuilder CreateRandomBuilder(ModelArchitectureKind architecture, ModelHyperParameters hyperParameters, int seed, string? name = null)
    {
        ModelArchitecture descriptor = ModelArchitecture.Get(architecture);
        name ??= string.Create(CultureInfo.InvariantCulture, $"random-{descriptor.Identifier}-{seed & int.MaxValue}");
        var builder = new NicModelFileBuilder(architecture, name, hyperParameters)
        {
            Lambda = descriptor.RandomModelLambda,
            RatePoint = 4,
        };
        builder.SetMetadata(ModelMetadataKeys.Description, "random weights from ModelFactory; for tests and benchmarks only");

        var random = new Random(seed);
        var tables = new Dictionary<string, QuantizedCdfTables>(StringComparer.Ordinal);
        foreach (ModelTensorSpec spec in descriptor.GetTensors(hyperParameters))
        {
            if (!spec.Required || spec.ElementType == ModelTensorType.Int32)
            {
                continue;
            }

            int[] shape = [.. spec.Shape];
            float[] values = spec.Name switch
            {
                "gaussian_conditional.scale_table" => GaussianScales(),
                _ => RandomValues(spec, random),
            };
            if (spec.Name == "gaussian_conditional.scale_table")
            {
                shape = [values.Length];
            }

            builder.AddFloat32(spec.Name, shape, values);
            if (spec.Name == "entropy_bottleneck.quantiles")
            {
                tables["entropy_bottleneck."] = LogisticCdfTables.FromLogisticScales(BottleneckScales(values), TailMass);
            }
            else if (spec.Name == "prior.log_scales")
            {
                tables["prior."] = LogisticCdfTables.FromLogisticScales(values.Select(v => Math.Exp(v)).ToArray(), TailMass);
            }
            else if (spec.Name == "gaussian_conditional.scale_table")
            {
                tables["gaussian_conditional."] = GaussianCdfTables.Create(GaussianCdfTables.LogSpacedScales());
            }
        }

        foreach (KeyValuePair<string, QuantizedCdfTables> pair in tables)
        {
            AddTables(builder, pair.Key, pair.Value);
        }

        return builder;
    }

    /// <summary>Writes tables as the <c>_quantized_cdf</c>, <c>_offset</c> and <c>_cdf_length</c> tensors of spec/nic-model.md §6.</summary>
    internal static void AddTables(NicModelFileBuilder builder, string prefix, QuantizedCdfTables tables)
    {
        int count = tables.Count;
        (int[] flat, int maxLength, int[] offsets, int[] lengths) = tables.ToPaddedLayout();
        builder.AddInt32(prefix + "_quantized_cdf", [count, maxLength], flat);
        builder.AddInt32(prefix + "_offset", [count], offsets);
        builder.AddInt32(prefix + "_cdf_length", [count], lengths);
    }

    private static float[] GaussianScales() =>
        GaussianCdfTables.LogSpacedScales().Select(s => (float)s).ToArray();

    private static float[] RandomValues(ModelTensorSpec spec, Random random)
    {
        int count = spec.Shape.Aggregate(1, (a, b) => a * b);
        var values = new float[count];
        string name = spec.Name;
        IReadOnlyList<int> shape = spec.Shape;
        if (name.EndsWith(".weight", StringComparison.Ordinal))
        {
            bool transposed = spec.Meaning.StartsWith("ConvTranspose2d", StringComparison.Ordinal);
            double fanIn = shape.Count == 2 ? shape[1]
                : transposed ? shape[0] * shape[2] * shape[3] / 4.0
                : shape[1] * shape[2] * shape[3];
            double deviation = 1 / Math.Sqrt(fanIn);
            if ((name.StartsWith("context.", StringComparison.Ordinal) || name.StartsWith("spatial.", StringComparison.Ordinal)) && name.EndsWith(".4.weight", StringComparison.Ordinal))
            {
                // A context network's last layer (spec/nic-model.md §4.6) gives mean shifts and scale changes of order
                // 0.1 rather than 1, so that a random model's means stay near h_s's and its residuals stay of order 1.
                deviation *= ContextOutputGain;
            }

            for (int i = 0; i < count; i++)
            {
                values[i] = (float)(deviation * StandardNormalSample(random));
            }
        }
        else if (name.EndsWith(".bias", StringComparison.Ordinal))
        {
            for (int i = 0; i < count; i++)
            {
                values[i] = (float)((random.NextDouble() - 0.5) * 0.02);
            }
        }
        else if (name.EndsWith(".beta", StringComparison.Ordinal))
        {
            Array.Fill(values, GdnParameters.RawFromEffective(1f));
        }
        else if (name.EndsWith(".gamma", StringComparison.Ordinal))
        {
            int channels = shape[0];
            Array.Fill(values, GdnParameters.RawFromEffective(0f));
            for (int c = 0; c < channels; c++)
            {
                values[(c * channels) + c] = GdnParameters.RawFromEffective(0.1f);
            }
        }
        else if (name == "entropy_bottleneck.quantiles")
        {
            double target = Math.Log((2 / TailMass) - 1);
            for (int c = 0; c < shape[0]; c++)
            {
                double scale = 0.5 + (2.5 * random.NextDouble());
                double median = random.NextDouble() - 0.5;
                values[3 * c] = (float)(median - (scale * target));
                values[(3 * c) + 1] = (float)median;
                values[(3 * c) + 2] = (float)(median + (scale * target));
            }
        }
        else if (name.Contains("._matrix", StringComparison.Ordinal))
        {
            // CompressAI's initialisation: softplus(matrix) = 1 / (init_scale^(1/5) · filters), init_scale 10.
            double scale = Math.Pow(10, 1.0 / 5);
            Array.Fill(values, (float)Math.Log(Math.Exp(1 / scale / shape[1]) - 1));
        }
        else if (name.Contains("._bias", StringComparison.Ordinal))
        {
            for (int i = 0; i < count; i++)
            {
                values[i] = (float)(random.NextDouble() - 0.5);
            }
        }
        else if (name == "prior.log_scales")
        {
            for (int i = 0; i < count; i++)
            {
                values[i] = (float)Math.Log(0.5 + (3.5 * random.NextDouble()));
            }
        }

        // Everything else (the bottleneck's _factor tensors) stays 0, as CompressAI initialises it.
        return values;
    }

    /// <summary>The logistic scale of each bottleneck channel, recovered from its quantiles.</summary>
    private static double[] BottleneckScales(float[] quantiles)
    {
        double target = Math.Log((2 / TailMass) - 1);
        var scales = new double[quantiles.Length / 3];
        for (int c = 0; c < scales.Length; c++)
        {
            scales[c] = (quantiles[(3 * c) + 2] - quantiles[(3 * c) + 1]) / target;
        }

        return scales;
    }

    private static double StandardNormalSample(Random random)
    {
        double u1 = 1 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
