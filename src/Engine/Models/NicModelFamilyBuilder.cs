using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Nic.Codec.Models;

/// <summary>
/// Packs the fixed-rate files of one family, trained as one variable-rate model whose per-channel gains were folded
/// into some layers, into one variable-rate file (spec/nic-model.md §11): the tensors every point shares once, each
/// point's own copy of the tensors that differ, and the gain vectors recovered from those copies.
/// </summary>
public static class NicModelFamilyBuilder
{
    /// <summary>
    /// The largest relative residual accepted when a point's gained layer is explained as another point's times one
    /// gain per output channel: ‖W_p − g·W₀‖ / ‖W_p‖ per channel. Binary16 rounding of folded weights leaves about
    /// 3·10⁻⁴; a layer that differs in more than scale is refused.
    /// </summary>
    public const double MaxGainResidual = 5e-3;

    /// <summary>Builds the variable-rate file of the given fixed-rate files (any order; sorted by λ).</summary>
    /// <param name="familyName">The family's registry name, which every point's <c>family</c> metadata must name.</param>
    /// <param name="pointFiles">The fixed-rate files, whole.</param>
    /// <param name="description">Free text for the family file's <c>description</c>; null for none.</param>
    /// <returns>The family file's bytes, loaded back and verified (every point rebuilds its file).</returns>
    /// <exception cref="ArgumentException">Fewer than two files, files of different architectures or families, equal λ, or points that differ in more than per-channel gains.</exception>
    public static byte[] Build(string familyName, IReadOnlyList<ReadOnlyMemory<byte>> pointFiles, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(pointFiles);
        if (!Nic.Format.NicModelId.IsValidName(familyName))
        {
            throw new ArgumentException($"'{familyName}' is not a model name (1 to 64 characters from a-z 0-9 . _ -)", nameof(familyName));
        }

        if (pointFiles.Count is < 2 or > 64)
        {
            throw new ArgumentException($"a family has 2 to 64 trained points, not {pointFiles.Count}", nameof(pointFiles));
        }

        var points = pointFiles
            .Select(bytes => (Model: NicModelFile.Load(bytes), File: SafetensorsReader.Parse(bytes), Sha: Convert.ToHexStringLower(SHA256.HashData(bytes.Span))))
            .OrderBy(p => p.Model.Lambda)
            .ToArray();
        NicModelFile first = points[0].Model;
        foreach ((NicModelFile model, _, _) in points)
        {
            if (model.Family != familyName)
            {
                throw new ArgumentException($"model '{model.Name}' belongs to family '{model.Family}', not '{familyName}'", nameof(pointFiles));
            }

            if (model.Architecture != first.Architecture || model.HyperParameters != first.HyperParameters)
            {
                throw new ArgumentException($"model '{model.Name}' is {model.Architecture} {model.HyperParameters}; '{first.Name}' is {first.Architecture} {first.HyperParameters}", nameof(pointFiles));
            }
        }

        for (int i = 1; i < points.Length; i++)
        {
            if (points[i].Model.Lambda == points[i - 1].Model.Lambda)
            {
                throw new ArgumentException($"models '{points[i - 1].Model.Name}' and '{points[i].Model.Name}' have the same λ {points[i].Model.Lambda}", nameof(pointFiles));
            }
        }

        var entries = points.Select(p => p.File.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal)).ToArray();
        var tensors = new List<SafetensorsWriter.Tensor>();
        var gained = new List<string>();
        foreach (SafetensorsEntry entry in points[0].File.Entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            byte[] bytes = points[0].File.GetBytes(entry).ToArray();
            bool same = true;
            for (int i = 1; i < points.Length; i++)
            {
                if (!entries[i].TryGetValue(entry.Name, out SafetensorsEntry? other) || other.DataType != entry.DataType || !other.Shape.AsSpan().SequenceEqual(entry.Shape))
                {
                    throw new ArgumentException($"model '{points[i].Model.Name}' has no tensor '{entry.Name}' of the type and shape '{first.Name}' has", nameof(pointFiles));
                }

                same &= points[i].File.GetBytes(other).SequenceEqual(bytes);
            }

            if (same)
            {
                tensors.Add(new SafetensorsWriter.Tensor(entry.Name, entry.DataType, entry.Shape, bytes));
            }
            else if (entry.DataType == SafetensorsDataType.I32 || entry.Shape.Length == 0)
            {
                throw new ArgumentException($"tensor '{entry.Name}' differs between the points, and it is not a float tensor that a per-channel gain could scale", nameof(pointFiles));
            }
            else
            {
                gained.Add(entry.Name);
                for (int i = 0; i < points.Length; i++)
                {
                    SafetensorsEntry own = entries[i][entry.Name];
                    tensors.Add(new SafetensorsWriter.Tensor($"{ModelFamilyParser.PointPrefix}{i}.{entry.Name}", own.DataType, own.Shape, points[i].File.GetBytes(own).ToArray()));
                }
            }
        }

        if (gained.Count == 0)
        {
            throw new ArgumentException("the points are identical: there is no gain to interpolate", nameof(pointFiles));
        }

        foreach (IGrouping<string, string> layer in gained.GroupBy(ModelFamilyParser.LayerOf))
        {
            tensors.Add(new SafetensorsWriter.Tensor(ModelFamilyParser.GainPrefix + layer.Key, SafetensorsDataType.F32, [points.Length, first.GetTensor(layer.First()).Shape[0]], GainBytes(points.Select(p => p.Model).ToArray(), layer.ToArray())));
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ModelMetadataKeys.Format] = ModelMetadataKeys.FormatValue,
            [ModelMetadataKeys.FormatVersion] = ModelMetadataKeys.FamilyFormatVersionValue,
            [ModelMetadataKeys.Architecture] = first.Architecture.Identifier,
            [ModelMetadataKeys.Name] = familyName,
            [ModelMetadataKeys.Family] = familyName,
            [ModelMetadataKeys.RatePoints] = PointsJson(points.Select(p => (p.Model, p.File.Metadata, p.Sha))),
        };
        if (description is not null)
        {
            metadata[ModelMetadataKeys.Description] = description;
        }

        byte[] file = SafetensorsWriter.Write(metadata, tensors);
        NicModelFamily.Load(file);
        return file;
    }

    /// <summary>
    /// Per output channel c of a layer and per point p, the gain g(p, c) relative to point 0 that best explains the
    /// point's copy as point 0's times g (least squares over the channel's weights and biases together, in binary64).
    /// </summary>
    private static byte[] GainBytes(NicModelFile[] points, string[] layerTensors)
    {
        int channels = points[0].GetTensor(layerTensors[0]).Shape[0];
        var bytes = new byte[checked(points.Length * channels * 4)];
        for (int p = 0; p < points.Length; p++)
        {
            for (int c = 0; c < channels; c++)
            {
                double cross = 0, reference = 0, own = 0;
                foreach (string name in layerTensors)
                {
                    ReadOnlySpan<float> w0 = points[0].GetFloat32(name).Span, wp = points[p].GetFloat32(name).Span;
                    int per = w0.Length / channels;
                    for (int e = c * per; e < (c + 1) * per; e++)
                    {
                        cross += (double)w0[e] * wp[e];
                        reference += (double)w0[e] * w0[e];
                        own += (double)wp[e] * wp[e];
                    }
                }

                double gain = reference > 0 ? cross / reference : 1;
                double residual = Math.Sqrt(Math.Max(0, own - (2 * gain * cross) + (gain * gain * reference)));
                if (!(gain > 0) || (own > 0 && residual > MaxGainResidual * Math.Sqrt(own)))
                {
                    throw new ArgumentException(
                        $"layer '{ModelFamilyParser.LayerOf(layerTensors[0])}' channel {c} of '{points[p].Name}' is not '{points[0].Name}''s times a positive gain (gain {gain:G6}, relative residual {(own > 0 ? residual / Math.Sqrt(own) : 0):G3})",
                        nameof(points));
                }

                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * ((p * channels) + c)), (float)gain);
            }
        }

        return bytes;
    }

    private static string PointsJson(IEnumerable<(NicModelFile Model, IReadOnlyDictionary<string, string> Metadata, string Sha)> points)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartArray();
            foreach ((NicModelFile model, IReadOnlyDictionary<string, string> metadata, string sha) in points)
            {
                writer.WriteStartObject();
                writer.WriteString("name", model.Name);
                writer.WriteString("sha256", sha);
                writer.WriteString("lambda", model.Lambda.ToString("R", CultureInfo.InvariantCulture));
                writer.WriteStartObject("metadata");
                foreach (KeyValuePair<string, string> pair in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(pair.Key, pair.Value);
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
