using System.Text.Json;
using System.Text.Json.Nodes;
using Nic.Codec.Entropy;
using Nic.Codec.Models;
using Nic.Torch.Models;

namespace Nic.Torch.Training;

/// <summary>
/// Writes a trained <see cref="ChannelContextModel"/> as an <c>mbt2018-mean-cc</c> family (spec/nic-model.md §4.6, §11):
/// each trained point of the base mean-scale family with the context networks added (binary32) and, for a logistic
/// model, its Gaussian-conditional tables rebuilt as logistic tables (§6.2); the points packed into one variable-rate
/// file. The base tensors keep their values and storage (binary16 where they are binary16-exact, as the shipped files).
/// </summary>
public static class ContextModelExport
{
    /// <summary>The metadata key that records the distribution of the Gaussian-conditional tables (informative).</summary>
    public const string ConditionalKey = "conditional";

    /// <summary>
    /// Builds the fixed-rate files of the new family, one per trained point of <paramref name="baseFamily"/>;
    /// <paramref name="trainingSummary"/> (a JSON document) is recorded as <c>context_model</c> in each point's
    /// <c>training</c> metadata.
    /// </summary>
    /// <exception cref="ArgumentException">The base is not a mean-scale family, or M differs from the model's.</exception>
    public static IReadOnlyList<byte[]> BuildPoints(NicModelFamily baseFamily, ChannelContextModel model, string familyName, string trainingSummary)
    {
        ArgumentNullException.ThrowIfNull(baseFamily);
        ArgumentNullException.ThrowIfNull(model);
        if (!ChannelContextModel.CanExtend(baseFamily.Architecture) || baseFamily.HyperParameters.M != model.M)
        {
            throw new ArgumentException($"the base must be an mbt2018-mean family with M = {model.M}; {baseFamily.Name} is {baseFamily.Architecture.Identifier} with M = {baseFamily.HyperParameters.M}", nameof(baseFamily));
        }

        var contextTensors = model.ModelFileTensors().ToArray();
        var points = new List<byte[]>();
        foreach (NicModelFile point in baseFamily.Points)
        {
            ModelHyperParameters hyper = ModelHyperParameters.ForChannelContext(point.HyperParameters.N, point.HyperParameters.M, model.Slices, model.Hidden, model.Kernel)
                with { ContextCheckerboard = model.Checkerboard ? 1 : 0 };
            string suffix = point.Name.StartsWith(baseFamily.Name, StringComparison.Ordinal) ? point.Name[baseFamily.Name.Length..] : "-" + point.Name;
            var builder = new NicModelFileBuilder(ModelArchitectureKind.Mbt2018MeanChannelContext, familyName + suffix, hyper)
            {
                Lambda = point.Lambda,
                RatePoint = point.RatePoint,
                Distortion = point.Distortion,
            };
            builder.SetMetadata("family", familyName);
            builder.SetMetadata(ConditionalKey, model.Distribution == ConditionalDistribution.Logistic ? "logistic" : "gaussian");
            builder.SetMetadata("training", TrainingRecord(point, trainingSummary));
            builder.SetMetadata("base_model", JsonSerializer.Serialize(new { name = point.Name, sha256 = Convert.ToHexStringLower(point.Sha256) }));
            QuantizedCdfTables? logistic = model.Distribution == ConditionalDistribution.Logistic
                ? LogisticCdfTables.Create(point.ScaleTable.ToArray().Select(s => (double)s).ToArray())
                : null;
            foreach (string name in point.TensorNames)
            {
                ModelTensor tensor = point.GetTensor(name);
                int[] shape = tensor.Shape.ToArray();
                if (logistic is not null && name.StartsWith("gaussian_conditional.", StringComparison.Ordinal) && name != "gaussian_conditional.scale_table")
                {
                    continue;
                }

                if (tensor.ElementType == ModelTensorType.Int32)
                {
                    builder.AddInt32(name, shape, tensor.Int32Data.Span);
                }
                else if (IsHalfExact(tensor.Float32Data.Span))
                {
                    builder.AddFloat16(name, shape, tensor.Float32Data.ToArray().Select(v => (Half)v).ToArray());
                }
                else
                {
                    builder.AddFloat32(name, shape, tensor.Float32Data.Span);
                }
            }

            if (logistic is not null)
            {
                (int[] cdf, int width, int[] offsets, int[] lengths) = logistic.ToPaddedLayout();
                builder.AddInt32("gaussian_conditional._quantized_cdf", [logistic.Count, width], cdf);
                builder.AddInt32("gaussian_conditional._offset", [logistic.Count], offsets);
                builder.AddInt32("gaussian_conditional._cdf_length", [logistic.Count], lengths);
            }

            foreach ((string name, long[] shape, float[] data) in contextTensors)
            {
                builder.AddFloat32(name, shape.Select(d => (int)d).ToArray(), data);
            }

            points.Add(builder.Build());
        }

        return points;
    }

    /// <summary>The variable-rate file of the new family (spec/nic-model.md §11), packed from <see cref="BuildPoints"/>.</summary>
    public static byte[] BuildFamily(NicModelFamily baseFamily, ChannelContextModel model, string familyName, string trainingSummary, string? description = null) =>
        NicModelFamilyBuilder.Build(familyName, BuildPoints(baseFamily, model, familyName, trainingSummary).Select(p => (ReadOnlyMemory<byte>)p).ToArray(), description);

    /// <summary>
    /// The point's <c>training</c> JSON: its base's (the transforms and the hyperprior were trained there: steps, λ,
    /// data, validation) with the context model's own record added as <c>context_model</c>.
    /// </summary>
    private static string TrainingRecord(NicModelFile basePoint, string contextSummary)
    {
        var record = basePoint.Metadata.TryGetValue("training", out string? training) && JsonNode.Parse(training) is JsonObject parsed
            ? parsed
            : new JsonObject();
        record["context_model"] = JsonNode.Parse(contextSummary);
        return record.ToJsonString();
    }

    private static bool IsHalfExact(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
        {
            if ((float)(Half)v != v && !float.IsNaN(v))
            {
                return false;
            }
        }

        return true;
    }
}
