using Nic.Codec.Models;
using Nic.Format;
using Nic.Torch.Models;
using static TorchSharp.torch;

namespace Nic.Torch.Training;

/// <summary>
/// The frozen latents a context model trains on (spec/nic-coding.md §10.3): bands of y with h_s's scales and means, as
/// a mean-scale family codes photo crops at several rate positions. g_a, h_a, the bottleneck's rounding and h_s run
/// once, here; training then only reads these tensors. Each group holds examples of one shape (B, M, band rows, w).
/// </summary>
internal sealed class ContextLatents : IDisposable
{
    private static readonly byte[] Magic = "NICLAT01"u8.ToArray();

    private ContextLatents(IReadOnlyList<Group> groups) => Groups = groups;

    /// <summary>The groups: one per validation photo, or one for all training crops.</summary>
    public IReadOnlyList<Group> Groups { get; }

    /// <summary>
    /// Latents of <paramref name="count"/> random crops of <paramref name="cropHeight"/> × <paramref name="cropWidth"/>
    /// pixels (multiples of 64) of the photos, an equal share at each rate position, cut into bands of
    /// <paramref name="bandRows"/> latent rows: one group of (count · bands per crop, M, bandRows, cropWidth/16).
    /// </summary>
    public static ContextLatents FromCrops(NicModelFamily family, PhotoSet photos, int count, int cropHeight, int cropWidth, int bandRows, IReadOnlyList<double> positions, int seed, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(family);
        ArgumentNullException.ThrowIfNull(photos);
        ArgumentNullException.ThrowIfNull(positions);
        CheckCrop(cropHeight, cropWidth, bandRows);
        Photo[] large = photos.Photos.Where(p => p.Width >= cropWidth && p.Height >= cropHeight).ToArray();
        if (large.Length == 0)
        {
            throw new ArgumentException($"no photo is at least {cropWidth}×{cropHeight}", nameof(photos));
        }

        var random = new Random(seed);
        var parts = new List<(Tensor Y, Tensor Scales, Tensor Means)>();
        int done = 0;
        for (int p = 0; p < positions.Count; p++)
        {
            int share = (count * (p + 1) / positions.Count) - (count * p / positions.Count);
            float[] pixels = new float[share * 3 * cropHeight * cropWidth];
            for (int i = 0; i < share; i++)
            {
                Photo photo = large[random.Next(large.Length)];
                photo.CopyRectangle(random.Next(photo.Width - cropWidth + 1), random.Next(photo.Height - cropHeight + 1), cropWidth, cropHeight, random.Next(2) == 1, pixels.AsSpan(i * 3 * cropHeight * cropWidth, 3 * cropHeight * cropWidth));
            }

            using var model = MeanScaleHyperpriorModel.FromModelFile(family.AtPosition(positions[p]));
            for (int first = 0; first < share; first += 8)
            {
                int n = Math.Min(8, share - first);
                using var scope = NewDisposeScope();
                Tensor batch = tensor(pixels.AsSpan(first * 3 * cropHeight * cropWidth, n * 3 * cropHeight * cropWidth).ToArray(), [n, 3, cropHeight, cropWidth]);
                var latents = Latents(model, batch);
                parts.Add((Bands(latents.Y, bandRows).MoveToOuterDisposeScope(), Bands(latents.Scales, bandRows).MoveToOuterDisposeScope(), Bands(latents.Means, bandRows).MoveToOuterDisposeScope()));
            }

            done += share;
            progress?.Invoke($"latents: {done}/{count} crops (rate position {positions[p]})");
        }

        var group = new Group(cat(parts.Select(t => t.Y).ToArray(), 0), cat(parts.Select(t => t.Scales).ToArray(), 0), cat(parts.Select(t => t.Means).ToArray(), 0), "train");
        foreach (var part in parts)
        {
            part.Y.Dispose();
            part.Scales.Dispose();
            part.Means.Dispose();
        }

        return new ContextLatents([group]);
    }

    /// <summary>
    /// Latents of each photo's centre crop of at most <paramref name="maxSide"/> × <paramref name="maxSide"/> pixels
    /// (the width rounded down to a multiple of 64, the height to whole bands) at each rate position: one group per photo and position.
    /// </summary>
    public static ContextLatents FromPhotos(NicModelFamily family, PhotoSet photos, int maxSide, int bandRows, IReadOnlyList<double> positions, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(family);
        ArgumentNullException.ThrowIfNull(photos);
        ArgumentNullException.ThrowIfNull(positions);
        var groups = new List<Group>();
        foreach (double position in positions)
        {
            using var model = MeanScaleHyperpriorModel.FromModelFile(family.AtPosition(position));
            foreach (Photo photo in photos.Photos)
            {
                int width = Math.Min(maxSide, photo.Width) / 64 * 64, height = Math.Min(maxSide, photo.Height) / (16 * bandRows) * (16 * bandRows);
                if (width == 0 || height == 0)
                {
                    continue;
                }

                CheckCrop(height, width, bandRows);
                float[] pixels = new float[3 * height * width];
                photo.CopyRectangle((photo.Width - width) / 2, (photo.Height - height) / 2, width, height, flip: false, pixels);
                using var scope = NewDisposeScope();
                var latents = Latents(model, tensor(pixels, [1, 3, height, width]));
                groups.Add(new Group(Bands(latents.Y, bandRows).MoveToOuterDisposeScope(), Bands(latents.Scales, bandRows).MoveToOuterDisposeScope(), Bands(latents.Means, bandRows).MoveToOuterDisposeScope(), $"{photo.Name}@{position}"));
            }

            progress?.Invoke($"latents: rate position {position} done");
        }

        return new ContextLatents(groups);
    }

    /// <summary>Writes the latents to a file (atomically).</summary>
    public void Save(string path)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(Groups.Count);
            foreach (Group group in Groups)
            {
                writer.Write(group.Name);
                foreach (Tensor t in new[] { group.Y, group.Scales, group.Means })
                {
                    writer.Write((int)t.dim());
                    foreach (long d in t.shape)
                    {
                        writer.Write(d);
                    }

                    writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(TensorData.ToArray<float>(t.contiguous()).AsSpan()));
                }
            }
        });
    }

    /// <summary>Reads latents written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a latent file or is damaged.</exception>
    public static ContextLatents Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{path} is not a Nic latent file");
        }

        int count = reader.ReadInt32();
        if (count < 1 || count > 1_000_000)
        {
            throw new InvalidDataException($"{path} declares {count} groups");
        }

        var groups = new List<Group>();
        for (int g = 0; g < count; g++)
        {
            string name = reader.ReadString();
            var tensors = new Tensor[3];
            for (int t = 0; t < 3; t++)
            {
                int dims = reader.ReadInt32();
                if (dims != 4)
                {
                    throw new InvalidDataException($"{path}: group {g} has a tensor of {dims} dimensions");
                }

                long[] shape = [reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64()];
                long elements = shape.Aggregate(1L, (a, b) => a * b);
                if (shape.Any(d => d < 1) || elements > (stream.Length - stream.Position) / sizeof(float))
                {
                    throw new InvalidDataException($"{path}: group {g} declares a tensor of {string.Join('×', shape)} that the file does not hold");
                }

                float[] data = new float[elements];
                reader.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
                tensors[t] = tensor(data, shape);
            }

            groups.Add(new Group(tensors[0], tensors[1], tensors[2], name));
        }

        return new ContextLatents(groups);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (Group group in Groups)
        {
            group.Y.Dispose();
            group.Scales.Dispose();
            group.Means.Dispose();
        }
    }

    /// <summary>y, σ_hs and μ_hs of an image batch, as the coder computes them: ẑ = round(z − median) + median.</summary>
    private static (Tensor Y, Tensor Scales, Tensor Means) Latents(MeanScaleHyperpriorModel model, Tensor images)
    {
        using var noGrad = no_grad();
        Tensor y = model.Analyze(images);
        Tensor z = model.HyperAnalyze(y);
        Tensor medians = tensor(model.EntropyBottleneck.Medians(), [1, model.N, 1, 1]);
        Tensor zHat = (z - medians).round().Plus(medians);
        (Tensor scales, Tensor? means) = model.HyperSynthesize(zHat);
        return (y, scales, means ?? throw new InvalidOperationException("a mean-scale model gave no means"));
    }

    /// <summary>(B, M, h, w) to (B · h/rows, M, rows, w): each band an example.</summary>
    private static Tensor Bands(Tensor map, int rows)
    {
        long b = map.shape[0], m = map.shape[1], h = map.shape[2], w = map.shape[3];
        return map.reshape(b, m, h / rows, rows, w).permute(0, 2, 1, 3, 4).reshape(b * (h / rows), m, rows, w).contiguous();
    }

    private static void CheckCrop(int height, int width, int bandRows)
    {
        if (height % 64 != 0 || width % 64 != 0 || height < 64 || width < 64)
        {
            throw new ArgumentException($"a crop of {width}×{height} is not a multiple of 64 pixels");
        }

        if (bandRows < 1 || height / 16 % bandRows != 0)
        {
            throw new ArgumentException($"{height / 16} latent rows do not cut into bands of {bandRows}", nameof(bandRows));
        }
    }

    /// <summary>Examples of one shape: y, σ_hs and μ_hs, each (B, M, band rows, w).</summary>
    public sealed record Group(Tensor Y, Tensor Scales, Tensor Means, string Name);
}
